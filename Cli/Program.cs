using System.CommandLine;
using OrleansGoRelay.Cli.Bench;
using OrleansGoRelay.Cli.GoTools;
using OrleansGoRelay.Cli.LedgerTools;

var root = new RootCommand("gorelay: tools for OrleansGoRelay operators, players and analysts");
var bench = new Command("bench", "Benchmarks; figures go to the README with the command that made them");
bench.Subcommands.Add(RuntimeBenchmark.Command());
bench.Subcommands.Add(GoBenchmark.Command());
bench.Subcommands.Add(LedgerBenchmark.Command());
root.Subcommands.Add(bench);
root.Subcommands.Add(LedgerCommands.Command());
root.Subcommands.Add(ReplayCommand.Command());
root.Subcommands.Add(AnalysisCommands.Classify());
root.Subcommands.Add(AnalysisCommands.Score());
root.Subcommands.Add(AnalysisCommands.Features());
root.Subcommands.Add(AnalysisCommands.Review());
return await root.Parse(args).InvokeAsync();
