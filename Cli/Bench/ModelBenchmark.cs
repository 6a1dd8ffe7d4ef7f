using System.CommandLine;
using System.Diagnostics;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Inference;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Onnx;
using OrleansGoRelay.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench model</c>: training positions/s of a net shape with TorchSharp beside the FLOP-bound estimate for
/// this machine (a large matrix product measures what the cores deliver), and ONNX Runtime latency at batch 1 on one
/// thread (p50/p99) and throughput at batch 64, fp32 and static int8, for a trained checkpoint or an untrained net of the
/// given shape, on real positions.
/// </summary>
internal static class ModelBenchmark
{
    public static Command Command()
    {
        var blocks = new Option<int>("--blocks") { Description = "Residual blocks", DefaultValueFactory = _ => 6 };
        var channels = new Option<int>("--channels") { Description = "Channels", DefaultValueFactory = _ => 48 };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A trained run or checkpoint for the inference phases (default: the shape above, untrained)" };
        var positions = new Option<string>("--positions")
        {
            Description = "An SGF collection whose positions feed the inference phases and calibrate the int8 export",
            DefaultValueFactory = _ => "../shared/data/tom-9d-2003-2009.sgf.gz",
        };
        var seconds = new Option<int>("--seconds") { Description = "Measuring time of each phase", DefaultValueFactory = _ => 10 };
        var png = BenchPictures.PngOption();
        var command = new Command("model", "Training positions/s against the FLOP bound; ONNX Runtime fp32 and int8 latency (batch 1, one thread) and throughput (batch 64)")
        {
            blocks, channels, checkpoint, positions, seconds, png,
        };
        command.SetAction(parse =>
        {
            if (!GoTools.GameFiles.AllExist([parse.GetValue(positions)!]))
            {
                return GoTools.GameFiles.UsageError;
            }
            var trained = parse.GetValue(checkpoint) is { } folder ? ModelTools.ModelCommands.LoadCheckpoint(folder).Net : null;
            using var _ = trained;
            var config = trained?.Config ?? new NetConfig(19, parse.GetValue(blocks), parse.GetValue(channels));
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            torch.set_num_threads(Environment.ProcessorCount);
            Console.WriteLine($"gorelay bench model: {Environment.ProcessorCount} cores, {config.Blocks} blocks x {config.Channels} channels, 19x19, {duration.TotalSeconds:0} s per phase");
            var gflops = MatrixProductGflops(duration);
            Console.WriteLine($"  {"matrix product 2048x2048 (fp32, all cores): GFLOP/s",-60} {gflops,12:N1}");
            using var net = new PolicyValueNet(config);
            var trainingRate = TrainingPositionsPerSecond(net, duration);
            // Training costs about 3x the forward pass (forward, then gradients for inputs and weights), 2 FLOPs per multiply-add.
            var bound = gflops * 1e9 / (3.0 * 2 * config.MultiplyAddsPerPosition);
            Console.WriteLine($"  {"training positions/s (batch 128, SGD)",-60} {trainingRate,12:N1}");
            Console.WriteLine($"  {$"FLOP-bound estimate ({3 * 2 * config.MultiplyAddsPerPosition / 1e9:0.00} GFLOP per position)",-60} {bound,12:N1}   ({trainingRate / bound:P0} of it)");
            var served = trained ?? net;
            served.eval();
            // Real positions (training part: the int8 calibration must not see what accuracy is measured on).
            var sample = PositionSample.Load([parse.GetValue(positions)!], config.BoardSize, new GameSplit(), 1_000, DataPart.Training);
            var planes = sample.FloatPlanes();
            var latencies = new List<LatencyRow>();
            foreach (var (kind, bytes) in new[] { ("fp32", OnnxExporter.Export(served)), ("int8", OnnxExporter.ExportInt8(served, planes, sample.Count)) })
            {
                using var single = new OnnxMovePredictor(bytes, threads: 1);
                var (p50, p99) = Latency(single, planes, sample.Count, duration);
                latencies.Add(new LatencyRow($"ONNX Runtime {kind}, batch 1, one thread", p50, p99));
                Console.WriteLine($"  {$"ONNX Runtime {kind}, batch 1, one thread: p50 / p99 ms",-60} {p50,6:0.00} / {p99:0.00}");
                using var all = new OnnxMovePredictor(bytes, threads: Environment.ProcessorCount);
                Console.WriteLine($"  {$"ONNX Runtime {kind}, batch 64, all cores: positions/s",-60} {Throughput(all, planes, sample.Count, duration),12:N0}");
            }
            if (parse.GetValue(png) is { } pngPath)
            {
                BenchPictures.WriteLatency(pngPath, $"{config.Blocks} x {config.Channels} net{(trained is null ? " (untrained)" : "")}: one position, one thread ({duration.TotalSeconds:0} s each)", latencies);
            }
            return 0;
        });
        return command;
    }

    private static double MatrixProductGflops(TimeSpan duration)
    {
        using var a = torch.rand(2048, 2048);
        using var b = torch.rand(2048, 2048);
        using (var warm = a.matmul(b))
        {
        }
        var products = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration / 2)
        {
            using var c = a.matmul(b);
            products++;
        }
        return products * 2.0 * 2048 * 2048 * 2048 / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static double TrainingPositionsPerSecond(PolicyValueNet net, TimeSpan duration)
    {
        const int batch = 128;
        using var optimizer = optim.SGD(net.parameters(), 0.01, momentum: 0.9, nesterov: true);
        using var input = torch.rand(batch, InputPlanes.Count, 19, 19).round();
        using var targets = torch.randint(0, 362, [batch], ScalarType.Int64);
        net.train();
        void Step()
        {
            using var scope = NewDisposeScope();
            var (policy, value) = net.forward(input);
            var loss = nn.functional.cross_entropy(policy, targets) + value.square().mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Step(); // warm-up
        var steps = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            Step();
            steps++;
        }
        return steps * batch / clock.Elapsed.TotalSeconds;
    }

    private static (double P50, double P99) Latency(OnnxMovePredictor model, float[] planes, int count, TimeSpan duration)
    {
        var perPosition = InputPlanes.Count * model.BoardSize * model.BoardSize;
        var one = new float[perPosition];
        void PredictOne(int i)
        {
            planes.AsSpan(i % count * perPosition, perPosition).CopyTo(one);
            model.Predict(one, 1);
        }
        for (var i = 0; i < 20; i++)
        {
            PredictOne(i);
        }
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var started = Stopwatch.GetTimestamp();
            PredictOne(times.Count);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        times.Sort();
        return (Quantiles.Of(times, 0.5), Quantiles.Of(times, 0.99));
    }

    private static double Throughput(OnnxMovePredictor model, float[] planes, int count, TimeSpan duration)
    {
        const int batch = 64;
        var perPosition = InputPlanes.Count * model.BoardSize * model.BoardSize;
        var batches = Math.Max(1, count / batch);
        model.Predict(planes, Math.Min(batch, count));
        var positions = 0L;
        var clock = Stopwatch.StartNew();
        for (var b = 0; clock.Elapsed < duration; b = (b + 1) % batches)
        {
            var n = Math.Min(batch, count);
            model.Predict(planes.AsSpan(b * batch * perPosition, n * perPosition).ToArray(), n);
            positions += n;
        }
        return positions / clock.Elapsed.TotalSeconds;
    }
}
