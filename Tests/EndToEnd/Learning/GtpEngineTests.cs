extern alias gorelay;

using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Go.Engines;
using OrleansGoRelay.Tests.Go;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Learning;

/// <summary><c>gorelay gtp</c> as GTP front ends drive it: a real process against GNU Go.</summary>
[Trait("Category", "Slow")]
public sealed class GtpEngineTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gorelay-gtp-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A 9×9 model briefly trained by the pipeline on the GNU Go regression games (strength is not the point here).</summary>
    private async Task<string> NineByNineModelAsync()
    {
        var dll = ChildProcess.BuiltDll("Cli", "gorelay");
        var run = Path.Combine(_root, "run");
        await using (var train = ChildProcess.StartDotnet("model train", dll, ["model", "train", GoData.File("gnugo-regression.sgf.gz"), "--checkpoints", run,
            "--size", "9", "--blocks", "1", "--channels", "8", "--steps", "30", "--batch", "16", "--threads", "1", "--validation-positions", "0", "--shuffle-buffer", "200"]))
        {
            Assert.True(await train.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, train.Output);
        }
        var model = Path.Combine(_root, "nine.onnx");
        await using (var export = ChildProcess.StartDotnet("model export", dll, ["model", "export", "--checkpoint", run, "--out", model]))
        {
            Assert.True(await export.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, export.Output);
        }
        return model;
    }

    [Fact]
    public async Task TheEnginePlaysAWholeLegal9x9GameAgainstGnuGo()
    {
        var model = await NineByNineModelAsync();
        using var ours = GtpEngine.Start("dotnet", $"{ChildProcess.BuiltDll("Cli", "gorelay")} gtp --model {model}");
        using var gnugo = GtpEngine.StartGnuGo(level: 1, chineseRules: true);
        ours.Send("boardsize 9");
        Assert.Equal("2", ours.Send("protocol_version"));
        Assert.Contains("genmove", ours.Send("list_commands"), StringComparison.Ordinal);
        Assert.Throws<GtpException>(() => ours.Send("boardsize 19")); // the model plays 9x9 only

        var game = GtpMatch.Play(black: ours, white: gnugo, size: 9, komi: 7, scorer: gnugo, maxMoves: 400);
        Assert.True(game.Resigned is not null || game.Score is not null, $"the game did not end in 400 moves ({game.Moves} played)");
        Assert.True(game.Moves >= 20, $"only {game.Moves} moves");
        output.WriteLine($"{game.Moves} moves, {(game.Resigned is { } r ? $"{r} resigned" : "two passes")}; GNU Go counts {game.Score}, ours {ours.Send("final_score")}");
        ours.Send("undo");
        var rows = ours.Send("showboard").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(9, rows.Count(r => r.Length == 9 && r.All(c => c is '.' or 'X' or 'O')));
    }

    [Fact]
    public async Task VersusPlaysEveryGameOnceInParallelAndReportsTheWinRateWithItsInterval()
    {
        var gnugo = $"{GtpEngine.GnuGoPath} --mode gtp --level 1 --chinese-rules";
        await using var versus = ChildProcess.StartDotnet("versus", ChildProcess.BuiltDll("Cli", "gorelay"),
            ["versus", "--engine", gnugo, "--against", gnugo, "--games", "4", "--parallel", "2", "--size", "9", "--komi", "7"]);
        Assert.True(await versus.WaitForExitAsync(TimeSpan.FromSeconds(300)) == 0, versus.Output);
        output.WriteLine(versus.Output);
        var games = versus.Output.Split('\n').Where(l => l.TrimStart().StartsWith("game ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, games.Count);
        Assert.Equal(["1", "2", "3", "4"], games.Select(l => l.Split(':')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Order(StringComparer.Ordinal));
        var wins = games.Count(l => l.Contains(": A wins", StringComparison.Ordinal));
        Assert.Contains($"engine A won {wins} of 4 (", versus.Output, StringComparison.Ordinal);
        Assert.Contains("95 % interval", versus.Output, StringComparison.Ordinal);
    }
}
