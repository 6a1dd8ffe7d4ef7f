extern alias gorelay;

using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary><c>gorelay bench ledger</c> as a user runs it: its phases, the verification of what it wrote, pgbench beside it, and its figure as a PNG.</summary>
[Trait("Category", "Slow")]
public sealed class LedgerBenchCommandTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gorelay-bench-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task BenchLedgerMeasuresEveryPhaseVerifiesTheLedgerAndDrawsItsFigure()
    {
        var png = Path.Combine(_root, "bench-ledger.png");
        await using var bench = ChildProcess.StartDotnet("bench ledger", ChildProcess.BuiltDll("Cli", "gorelay"),
            ["bench", "ledger", "--seconds", "1", "--clients", "16", "--batch", "100", "--connection", database.ConnectionString, "--png", png]);

        Assert.Equal(0, await bench.WaitForExitAsync(TimeSpan.FromSeconds(240)));
        foreach (var phase in new[] { "single, uniform", "single, hot", "batched, uniform", "batched, hot" })
        {
            Assert.Matches($@"transfers/s, {phase} .*\s[\d,]+\s+\(", bench.Output);
        }
        Assert.Contains("chain valid True, balances match True, sum 0", bench.Output, StringComparison.Ordinal);
        Assert.Matches(@"pgbench simple-update tps.*\s[\d,]+\s*$", bench.Output.Split('\n').Single(l => l.Contains("pgbench", StringComparison.Ordinal)));
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.True(bytes.Length > 10_000, $"a figure of five bars, not {bytes.Length} bytes");
    }
}
