using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Training;
using static TorchSharp.torch;

namespace OrleansGoRelay.Tests.Learning;

public sealed class TrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gorelay-train-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TrainingOptions Tiny(long steps) => new(
        [GoData.File("tom-9d-2003-2009.sgf.gz")], new NetConfig(BoardSize: 19, Blocks: 1, Channels: 8), steps, BatchSize: 16,
        LearningRate: 0.02, WarmupSteps: 2, ShuffleBuffer: 400, Threads: 1, CheckpointEverySeconds: 1e9, ValidationPositions: 64);

    private static float[] Weights(string checkpoint, NetConfig config)
    {
        using var net = new PolicyValueNet(config);
        net.load(Path.Combine(checkpoint, "model.bin"));
        return [.. net.state_dict().Values.SelectMany(t => t.to_type(ScalarType.Float32).data<float>().ToArray())];
    }

    [Fact]
    public void AResumedRunEndsWithExactlyTheWeightsOfAnUninterruptedOne()
    {
        var straight = new Trainer(new TrainingCheckpoint(Path.Combine(_root, "straight"))).Run(Tiny(8), CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var interrupted = new TrainingCheckpoint(Path.Combine(_root, "interrupted"));
        var first = new Trainer(interrupted, p =>
        {
            if (p.Step == 3)
            {
                stop.Cancel();
            }
        }) { ProgressEverySeconds = 0 }.Run(Tiny(8), stop.Token);
        Assert.Equal(3, first.State.Step);
        var resumed = new Trainer(interrupted).Run(null, CancellationToken.None);

        Assert.Equal(8, resumed.State.Step);
        Assert.Equal(straight.State.Positions, resumed.State.Positions);
        Assert.Equal(Weights(straight.Checkpoint, Tiny(8).Net), Weights(resumed.Checkpoint, Tiny(8).Net));
        Assert.Equal(2, resumed.State.History.Count);
        Assert.NotNull(resumed.State.History[^1].ValidationTop1);
    }

    [Fact]
    public void ANewRunRefusesAFolderThatHoldsOneAndResumingAnEmptyFolderIsRefused()
    {
        var folder = new TrainingCheckpoint(Path.Combine(_root, "run"));
        Assert.Throws<InvalidOperationException>(() => new Trainer(folder).Run(null, CancellationToken.None));
        new Trainer(folder).Run(Tiny(1), CancellationToken.None);
        var refused = Assert.Throws<InvalidOperationException>(() => new Trainer(folder).Run(Tiny(1), CancellationToken.None));
        Assert.Contains("resume", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckpointBeingWrittenWhenTheProcessDiesLeavesThePreviousOneWhole()
    {
        var folder = new TrainingCheckpoint(Path.Combine(_root, "crash"));
        var done = new Trainer(folder).Run(Tiny(2), CancellationToken.None);
        // What a SIGKILL mid-write leaves: a temporary folder with partial files and no state.
        var partial = Directory.CreateDirectory(Path.Combine(folder.Directory, ".writing-000000003-999"));
        File.WriteAllText(Path.Combine(partial.FullName, "model.bin"), "half");
        Assert.Equal(done.Checkpoint, folder.Latest());
        var resumed = new Trainer(folder).Run(null, CancellationToken.None);
        Assert.Equal(2, resumed.State.Step);
    }

    [Theory]
    [InlineData(ScheduleKind.Constant, 500, 0.1)]
    [InlineData(ScheduleKind.Cosine, 1000, 0.001)]
    [InlineData(ScheduleKind.Step, 600, 0.01)]
    [InlineData(ScheduleKind.Step, 800, 0.001)]
    public void TheScheduleWarmsUpThenFollowsItsShape(ScheduleKind schedule, long step, double expected)
    {
        var options = Tiny(1000) with { Schedule = schedule, LearningRate = 0.1, WarmupSteps = 100 };
        Assert.Equal(0.001, options.LearningRateAt(0), 6);
        Assert.Equal(0.1, options.LearningRateAt(99), 6);
        Assert.Equal(expected, options.LearningRateAt(step), 6);
    }
}
