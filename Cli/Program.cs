using System.CommandLine;
using OrleansGoRelay.Cli.Bench;
using OrleansGoRelay.Cli.GoTools;
using OrleansGoRelay.Cli.LedgerTools;
using OrleansGoRelay.Cli.Play;

var root = new RootCommand("gorelay: tools for OrleansGoRelay operators, players and analysts");
var bench = new Command("bench", "Benchmarks; figures go to the README with the command that made them");
bench.Subcommands.Add(RuntimeBenchmark.Command());
bench.Subcommands.Add(GoBenchmark.Command());
bench.Subcommands.Add(LedgerBenchmark.Command());
bench.Subcommands.Add(RelayBenchmark.Command());
bench.Subcommands.Add(ModelBenchmark.Command());
bench.Subcommands.Add(SecureAggregationBenchmark.Command());
bench.Subcommands.Add(CodecBenchmark.Command());
bench.Subcommands.Add(FederatedRoundBenchmark.Command());
bench.Subcommands.Add(InferenceBenchmark.Command());
root.Subcommands.Add(bench);
root.Subcommands.Add(LedgerCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.ModelTools.ModelCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.ModelTools.GtpCommand.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.ModelTools.VersusCommand.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.FederatedTools.FlCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.FederatedTools.ClusterCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.FederatedTools.GamesCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.FederatedTools.RelayCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.FederatedTools.ApiCommands.Command());
root.Subcommands.Add(OrleansGoRelay.Cli.InferenceTools.McpCommand.Command());
root.Subcommands.Add(PlayCommands.Play());
root.Subcommands.Add(PlayCommands.Match());
root.Subcommands.Add(ReplayCommand.Command());
root.Subcommands.Add(AnalysisCommands.Classify());
root.Subcommands.Add(AnalysisCommands.Score());
root.Subcommands.Add(AnalysisCommands.Features());
root.Subcommands.Add(AnalysisCommands.Review());
root.Subcommands.Add(PictureCommands.Heatmap());
root.Subcommands.Add(PlayerCommands.Style());
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration
    {
        EnableDefaultExceptionHandler = false,
        // SIGINT and SIGTERM cancel the command's token; a training run then finishes its step and writes a checkpoint
        // (with its validation measurement), which takes longer than the 2 s other commands get.
        ProcessTerminationTimeout = args is ["model", "train", ..] ? TimeSpan.FromSeconds(120) : TimeSpan.FromSeconds(2),
    });
}
catch (Npgsql.NpgsqlException e) when (e is not Npgsql.PostgresException)
{
    // The benchmarks and ledger tools need the database; say so instead of a stack trace.
    Console.Error.WriteLine($"gorelay: PostgreSQL is not reachable ({e.Message}). Start it with ./run.sh (or source scripts/setup.sh), or pass --connection.");
    return 1;
}
catch (OrleansGoRelay.Learning.Federated.AggregationRefusedException e)
{
    // A federated round that cannot be completed as asked (too few survivors, a rule's precondition, the privacy budget).
    Console.Error.WriteLine($"gorelay: {e.Message}");
    return 1;
}
catch (OrleansGoRelay.Cli.CommandFailedException e)
{
    Console.Error.WriteLine($"gorelay: {e.Message}");
    return 1;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // As the default handler did: the whole exception, exit code 1.
    Console.Error.WriteLine($"gorelay: unhandled exception: {e}");
    return 1;
}
