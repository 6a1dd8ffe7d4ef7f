extern alias gorelay;

using System.Text.Json;
using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Tests.Go;

namespace OrleansGoRelay.Tests.Learning;

/// <summary><c>gorelay model train | export | eval</c> as a user runs them: real processes, SIGKILL, exit codes.</summary>
[Trait("Category", "Slow")]
public sealed class ModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gorelay-model-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ChildProcess Gorelay(string name, params string[] arguments) =>
        ChildProcess.StartDotnet(name, ChildProcess.BuiltDll("Cli", "gorelay"), arguments);

    [Fact]
    public async Task Kill9DuringTrainingLosesAtMostTheWorkSinceTheLastCheckpointAndResumeFinishesTheRunThenExportAndEvalWork()
    {
        var run = Path.Combine(_root, "run");
        var games = GoData.File("tom-9d-2003-2009.sgf.gz");
        await using (var training = Gorelay("model train", "model", "train", games, "--checkpoints", run, "--blocks", "1", "--channels", "8",
            "--steps", "600", "--batch", "16", "--threads", "1", "--checkpoint-every", "1", "--validation-positions", "32", "--shuffle-buffer", "500"))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (Directory.Exists(run) ? Directory.GetDirectories(run, "step-*").Length < 2 : true)
            {
                Assert.False(training.HasExited, $"training ended before two checkpoints:\n{training.Output}");
                Assert.True(DateTime.UtcNow < deadline, $"no two checkpoints in 120 s:\n{training.Output}");
                await Task.Delay(100);
            }
            training.Kill();
        }
        // Each evaluation redrew the learning curve beside the checkpoints.
        var curve = await File.ReadAllBytesAsync(Path.Combine(run, "learning-curve.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], curve[..4]);
        var saved = Directory.GetDirectories(run, "step-*").Order(StringComparer.Ordinal).Last();
        var savedStep = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(saved, "state.json"))).RootElement.GetProperty("step").GetInt64();
        Assert.InRange(savedStep, 1, 599);

        await using (var resumed = Gorelay("model train --resume", "model", "train", "--checkpoints", run, "--resume"))
        {
            Assert.Equal(0, await resumed.WaitForExitAsync(TimeSpan.FromSeconds(180)));
            Assert.Contains("step 600 of 600", resumed.Output, StringComparison.Ordinal);
        }
        var final = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run, "step-000000600", "state.json"))).RootElement;
        var history = final.GetProperty("history").EnumerateArray().Select(p => p.GetProperty("step").GetInt64()).ToList();
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(run, "learning-curve.png")) >= File.GetLastWriteTimeUtc(Path.Combine(run, "step-000000600", "state.json")).AddSeconds(-1),
            "the resumed run redrew the curve at its last checkpoint");
        Assert.Contains(savedStep, history); // the resumed run carried on from the last checkpoint, not from the start
        Assert.Equal(600, history[^1]);

        var model = Path.Combine(_root, "model.onnx");
        await using (var export = Gorelay("model export", "model", "export", "--checkpoint", run, "--out", model))
        {
            Assert.Equal(0, await export.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        await using (var eval = Gorelay("model eval", "model", "eval", "--model", model, games, "--part", "validation", "--games", "5"))
        {
            Assert.Equal(0, await eval.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("5 games", eval.Output, StringComparison.Ordinal);
            Assert.Matches(@"endgame \(151-\)\s+[\d,]+\s+\d+\.\d %", eval.Output);
            await File.WriteAllTextAsync(Path.Combine(_root, "eval.txt"), eval.Output);
        }

        // The model card: its learning curve beside it, shown in it, and the evaluation quoted.
        var shipped = Directory.CreateDirectory(Path.Combine(_root, "shipped")).FullName;
        await using (var card = Gorelay("model card", "model", "card", "--checkpoint", Path.Combine(run, "step-000000600"), "--model", model,
            "--result", $"Held-out accuracy={Path.Combine(_root, "eval.txt")}", "--out", Path.Combine(shipped, "MODEL_CARD.md")))
        {
            Assert.Equal(0, await card.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        var text = await File.ReadAllTextAsync(Path.Combine(shipped, "MODEL_CARD.md"));
        Assert.Contains("](learning-curve.png)", text, StringComparison.Ordinal);
        Assert.Contains("## Held-out accuracy", text, StringComparison.Ordinal);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(Path.Combine(shipped, "learning-curve.png")))[..4]);
    }

    [Fact]
    public async Task SigtermDuringTrainingWritesACheckpointAndExitsCleanly()
    {
        var run = Path.Combine(_root, "stopped");
        await using var training = Gorelay("model train", "model", "train", GoData.File("tom-9d-2003-2009.sgf.gz"), "--checkpoints", run, "--blocks", "1",
            "--channels", "8", "--steps", "100000", "--batch", "16", "--threads", "1", "--checkpoint-every", "100000", "--validation-positions", "32");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!training.Output.Contains("step ", StringComparison.Ordinal))
        {
            Assert.False(training.HasExited, training.Output);
            Assert.True(DateTime.UtcNow < deadline, $"no progress in 120 s:\n{training.Output}");
            await Task.Delay(100);
        }
        await training.StopAsync();
        Assert.Equal(0, training.ExitCode);
        var checkpoint = Assert.Single(Directory.GetDirectories(run, "step-*"));
        Assert.True(File.Exists(Path.Combine(checkpoint, "model.bin")));
        Assert.Contains("model train: step", training.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumingAnEmptyFolderOrNamingFilesWithResumeIsRefusedWithAMessage()
    {
        await using (var empty = Gorelay("model train --resume", "model", "train", "--checkpoints", Path.Combine(_root, "none"), "--resume"))
        {
            Assert.Equal(1, await empty.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("Nothing to resume", empty.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", empty.Output, StringComparison.Ordinal);
        }
        await using (var both = Gorelay("model train --resume FILE", "model", "train", GoData.File("gnugo-regression.sgf.gz"), "--checkpoints", _root, "--resume"))
        {
            Assert.Equal(2, await both.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("name no files", both.Output, StringComparison.Ordinal);
        }
    }
}
