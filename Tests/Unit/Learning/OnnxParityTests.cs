using Xunit.Abstractions;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Inference;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Onnx;
using OrleansGoRelay.Learning.Training;
using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Tests.Infrastructure;
using static TorchSharp.torch;

namespace OrleansGoRelay.Tests.Learning;

public sealed class OnnxParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gorelay-onnx-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void OnnxRuntimeAndTorchSharpAgreeOnTheLogitsAndTheTopMoveOfValidationPositions()
    {
        // A briefly trained net, so batch norm's running statistics are not the identity the fold could hide behind.
        var file = GoData.File("tom-9d-2003-2009.sgf.gz");
        var options = new TrainingOptions([file], new NetConfig(BoardSize: 19, Blocks: 2, Channels: 16), Steps: 30, BatchSize: 32,
            LearningRate: 0.05, WarmupSteps: 5, ShuffleBuffer: 1_000, Threads: 1, CheckpointEverySeconds: 1e9, ValidationPositions: 0);
        var trained = new Trainer(new TrainingCheckpoint(_root)).Run(options, CancellationToken.None);
        using var net = new PolicyValueNet(options.Net);
        net.load(Path.Combine(trained.Checkpoint, "model.bin"));
        net.eval();

        var positions = PositionSample.Load([file], 19, new GameSplit(), 300);
        var planes = positions.FloatPlanes();
        using var predictor = new OnnxMovePredictor(OnnxExporter.Export(net));
        var onnx = predictor.Predict(planes, positions.Count);
        float[] torchPolicy, torchValue;
        using (no_grad())
        {
            var (policy, value) = net.forward(tensor(planes, [positions.Count, InputPlanes.Count, 19, 19]));
            torchPolicy = policy.data<float>().ToArray();
            torchValue = value.data<float>().ToArray();
            policy.Dispose();
            value.Dispose();
        }
        var worst = 0f;
        var sameTop = 0;
        for (var i = 0; i < positions.Count; i++)
        {
            var reference = torchPolicy.AsSpan(i * 362, 362);
            for (var m = 0; m < 362; m++)
            {
                worst = Math.Max(worst, Math.Abs(reference[m] - onnx[i].Policy[m]));
            }
            worst = Math.Max(worst, Math.Abs(torchValue[i] - onnx[i].Value));
            sameTop += ArgMax(reference) == ArgMax(onnx[i].Policy) ? 1 : 0;
        }
        output.WriteLine($"{positions.Count} validation positions: largest logit or value difference {worst:E2}, same top move on {sameTop}");
        Assert.True(worst <= 1e-4f, $"largest difference {worst}");
        Assert.True(sameTop >= 0.99 * positions.Count, $"same top move on {sameTop} of {positions.Count}");
    }

    [Fact]
    public void Int8TopOneAccuracyIsWithinHalfAPointOfFp32OnGamesNeverTrainedOn()
    {
        // The committed baseline checkpoint: a trained net, where quantisation error can move the top move.
        var (net, state, _) = TrainingCheckpoint.LoadNet(Path.Combine(TestEnvironment.RepositoryRoot, "models", "training", "baseline"));
        using var _ = net;
        var files = state.Options.Files;
        var calibration = PositionSample.Load(files, 19, state.Options.EffectiveSplit, 500, DataPart.Training);
        var validation = PositionSample.Load(files, 19, state.Options.EffectiveSplit, 2_000);
        var planes = validation.FloatPlanes();
        using var fp32 = new OnnxMovePredictor(OnnxExporter.Export(net), threads: 2);
        using var int8 = new OnnxMovePredictor(OnnxExporter.ExportInt8(net, calibration.FloatPlanes(), calibration.Count), threads: 2);
        var floatPredictions = fp32.Predict(planes, validation.Count);
        var intPredictions = int8.Predict(planes, validation.Count);
        int floatRight = 0, intRight = 0, same = 0;
        for (var i = 0; i < validation.Count; i++)
        {
            var played = validation.Positions[i].Move;
            var floatTop = ArgMax(floatPredictions[i].Policy);
            var intTop = ArgMax(intPredictions[i].Policy);
            floatRight += floatTop == played ? 1 : 0;
            intRight += intTop == played ? 1 : 0;
            same += floatTop == intTop ? 1 : 0;
        }
        var floatTop1 = 100.0 * floatRight / validation.Count;
        var intTop1 = 100.0 * intRight / validation.Count;
        output.WriteLine($"step {state.Step}, {validation.Count} validation positions: top-1 fp32 {floatTop1:0.00} %, int8 {intTop1:0.00} %, same top move {100.0 * same / validation.Count:0.0} %");
        Assert.Equal(2_000, validation.Count);
        Assert.True(Math.Abs(intTop1 - floatTop1) <= 0.5, $"int8 top-1 {intTop1:0.00} % against fp32 {floatTop1:0.00} %");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
