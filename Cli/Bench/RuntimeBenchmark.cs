using System.CommandLine;

namespace OrleansGoRelay.Cli.Bench;

/// <summary><c>gorelay bench runtime</c>: grain call and persisted write throughput, beside pgbench.</summary>
internal static class RuntimeBenchmark
{
    public static Command Command()
    {
        var command = new Command("runtime", "Calls/s to a cached activation and persisted writes/s to PostgreSQL, beside pgbench's simple-update tps");
        command.SetAction(_ => 0);
        return command;
    }
}
