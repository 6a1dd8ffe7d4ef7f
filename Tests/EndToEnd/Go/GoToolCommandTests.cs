extern alias gorelay;

using System.Diagnostics;
using gorelay::OrleansGoRelay.Cli.Processes;

namespace OrleansGoRelay.Tests.Go;

/// <summary>The gorelay game tools as users run them: real processes, exit codes, messages.</summary>
public sealed class GoToolCommandTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var tool = ChildProcess.BuiltDll("Cli", "gorelay");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(tool);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task ReplayReportsIllegalMovesWithGameAndMoveNumberAndMalformedGamesWithLineAndColumn()
    {
        var file = Path.Combine(Path.GetTempPath(), $"gorelay-{Guid.NewGuid():N}.sgf");
        await File.WriteAllTextAsync(file, "(;GM[1]SZ[9];B[ee];W[ee])\n(;GM[1]SZ[9];B[aa]C[cut\n(;GM[1]SZ[9];B[cc];W[dd];B[])\n");
        try
        {
            var (exit, output, error) = await RunAsync("replay", file);
            Assert.Equal(1, exit);
            Assert.Contains("game 1, move 2: W[ee] (Occupied)", output, StringComparison.Ordinal);
            Assert.Contains("games: 2, moves: 4, illegal moves: 1, malformed games: 1", output, StringComparison.Ordinal);
            Assert.Contains("game 2, line 2, column 20: the value of C is cut off", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task MissingFilesAndUnknownOptionsExitWithAMessage()
    {
        var (exit, _, error) = await RunAsync("replay", "/nonexistent/games.sgf");
        Assert.Equal(2, exit);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
        (exit, _, error) = await RunAsync("replay", "--rules", "klingon", GoData.File("gnugo-regression.sgf.gz"));
        Assert.Equal(2, exit);
        Assert.Contains("unknown rules 'klingon'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClassifyCountsTheGnuGoRegressionGames()
    {
        var (exit, output, _) = await RunAsync("classify", GoData.File("gnugo-regression.sgf.gz"));
        Assert.Equal(0, exit);
        Assert.Contains("games: 1,619", output, StringComparison.Ordinal);
        Assert.Matches(@"teaching: \d", output);
        Assert.Matches(@"dogfight: \d", output);
    }
}
