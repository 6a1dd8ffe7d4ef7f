using System.CommandLine;
using OrleansGoRelay.Cli.Bench;

var root = new RootCommand("gorelay: tools for OrleansGoRelay operators, players and analysts");
var bench = new Command("bench", "Benchmarks; figures go to the README with the command that made them");
bench.Subcommands.Add(RuntimeBenchmark.Command());
root.Subcommands.Add(bench);
return await root.Parse(args).InvokeAsync();
