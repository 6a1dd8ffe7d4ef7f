extern alias gorelay;

using System.Text.Json;
using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Tests.Go;

namespace OrleansGoRelay.Tests.Learning;

/// <summary><c>gorelay fl simulate</c> and <c>gorelay bench secagg</c> as a user runs them: real processes, the report, exit codes.</summary>
[Trait("Category", "Slow")]
public sealed class FederatedCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gorelay-fl-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ChildProcess Gorelay(string name, params string[] arguments) =>
        ChildProcess.StartDotnet(name, ChildProcess.BuiltDll("Cli", "gorelay"), arguments);

    private static readonly string[] Tiny =
    [
        "fl", "simulate", GoData.File("fox-pro.sgf.gz"), "--games", "150", "--position-stride", "4", "--blocks", "1", "--channels", "8",
        "--local-steps", "2", "--batch", "16", "--validation-positions", "100", "--threads", "1",
    ];

    [Fact]
    public async Task SimulatePrintsEachRoundAndWritesAReportWithPrivacySecureAggregationAndAttackers()
    {
        var report = Path.Combine(_root, "report.json");
        await using var run = Gorelay("fl simulate", [.. Tiny, "--clients", "9", "--rounds", "2", "--secagg", "--dropout", "0.1",
            "--dp-epsilon", "50", "--clip", "1", "--malicious", "1", "--attack", "scale", "--report", report]);
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(300)) == 0, run.Output);
        Assert.Contains("noise multiplier z =", run.Output, StringComparison.Ordinal);
        Assert.Contains(" 2/2 ", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        var rounds = json.RootElement.GetProperty("rounds");
        Assert.Equal(2, rounds.GetArrayLength());
        foreach (var round in rounds.EnumerateArray())
        {
            Assert.InRange(round.GetProperty("epsilon").GetDouble(), 0.001, 50);
            Assert.True(round.GetProperty("seconds").GetProperty("secureAggregation").GetDouble() > 0);
            Assert.True(round.GetProperty("bytesUp").GetInt64() > 0);
        }
        Assert.Equal(64, json.RootElement.GetProperty("finalModelSha256").GetString()!.Length);
        Assert.Equal(1_000_000, json.RootElement.GetProperty("settlement").EnumerateArray().Sum(l => l.GetProperty("amount").GetInt64()));
    }

    [Theory]
    [InlineData("--strategy", "fastest", "Unknown aggregation rule")]
    [InlineData("--attack", "bribe", "--attack bribe: choose signflip, scale or noise")]
    [InlineData("--codec", "zip", "Unknown update codec")]
    [InlineData("--clients", "100000", "clients need at least as many")]
    public async Task BadOptionsFailWithAClearMessageAndANonZeroExit(string option, string value, string message)
    {
        string[] clients = option == "--clients" ? [] : ["--clients", "4"];
        await using var run = Gorelay("fl simulate", [.. Tiny, "--rounds", "1", .. clients, option, value, "--report", Path.Combine(_root, "never.json")]);
        Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains(message, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal); // no stack trace
        Assert.False(File.Exists(Path.Combine(_root, "never.json")));
    }

    [Fact]
    public async Task BulyanRefusesARoundWithFewerThanFourFPlusThreeClients()
    {
        await using var run = Gorelay("fl simulate", [.. Tiny, "--rounds", "1", "--clients", "6", "--strategy", "bulyan", "--f", "1", "--report", Path.Combine(_root, "r.json")]);
        Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("bulyan", run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("7", run.Output, StringComparison.Ordinal); // 4f + 3 = 7 clients needed, 6 given
    }

    [Fact]
    public async Task TheSecureAggregationBenchmarkReportsServerWorkBesidePlainAggregationAndDrawsIt()
    {
        var png = Path.Combine(_root, "secagg.png");
        await using (var bench = Gorelay("bench secagg", "bench", "secagg", "--clients", "60", "--parameters", "20000", "--dropout", "0.1", "--neighbours", "20", "--threads", "2", "--png", png))
        {
            Assert.True(await bench.WaitForExitAsync(TimeSpan.FromSeconds(180)) == 0, bench.Output);
            Assert.Contains("plain", bench.Output, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("server", bench.Output, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(png))[..4]);
        // Neighbourhoods of 5 with a third of the clients gone: some client's neighbourhood falls below its threshold of 4.
        await using var refused = Gorelay("bench secagg", "bench", "secagg", "--clients", "60", "--parameters", "1000", "--dropout", "0.34", "--neighbours", "4", "--threads", "1");
        Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromSeconds(180)));
        Assert.Matches(@"refused: only \d+ of client \d+'s neighbourhood of 5 sent masked inputs; the threshold is 4", refused.Output);
        Assert.DoesNotContain("   at ", refused.Output, StringComparison.Ordinal);
    }
}
