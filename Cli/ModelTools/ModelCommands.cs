using System.CommandLine;
using System.Globalization;
using OrleansGoRelay.Cli.GoTools;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Inference;
using OrleansGoRelay.Learning.Onnx;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Training;

namespace OrleansGoRelay.Cli.ModelTools;

/// <summary><c>gorelay model ...</c>: training the move-prediction network.</summary>
internal static class ModelCommands
{
    public static Command Command()
    {
        var model = new Command("model", "The move-prediction network: train it on game records");
        model.Subcommands.Add(Train());
        model.Subcommands.Add(Export());
        model.Subcommands.Add(Eval());
        model.Subcommands.Add(ModelCardCommand.Command());
        model.Subcommands.Add(Curve());
        return model;
    }

    private static Command Train()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections to learn from (their training part)", Arity = ArgumentArity.ZeroOrMore };
        var directory = new Option<string>("--checkpoints") { Description = "The run's folder (checkpoints and history)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --checkpoints exactly where its last checkpoint left it (its own options; --steps may change its length)" };
        var size = new Option<int>("--size") { Description = "Board size", DefaultValueFactory = _ => 19 };
        var blocks = new Option<int>("--blocks") { Description = "Residual blocks", DefaultValueFactory = _ => 6 };
        var channels = new Option<int>("--channels") { Description = "Channels per convolution", DefaultValueFactory = _ => 64 };
        var steps = new Option<long>("--steps") { Description = "Optimiser steps in the whole run", DefaultValueFactory = _ => 100_000 };
        var batch = new Option<int>("--batch") { Description = "Positions per step", DefaultValueFactory = _ => 128 };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "sgd (Nesterov momentum) or adamw", DefaultValueFactory = _ => OptimizerKind.Sgd };
        var learningRate = new Option<double>("--lr") { Description = "Base learning rate", DefaultValueFactory = _ => 0.05 };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum or Adam's beta1", DefaultValueFactory = _ => 0.9 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => 1e-4 };
        var schedule = new Option<ScheduleKind>("--schedule") { Description = "constant, cosine or step", DefaultValueFactory = _ => ScheduleKind.Cosine };
        var warmup = new Option<long>("--warmup") { Description = "Warm-up steps", DefaultValueFactory = _ => 200 };
        var valueWeight = new Option<double>("--value-weight") { Description = "Weight of the value loss", DefaultValueFactory = _ => 0.25 };
        var buffer = new Option<int>("--shuffle-buffer") { Description = "Positions in the shuffle buffer", DefaultValueFactory = _ => 20_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data order and initial weights", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Tensor threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var every = new Option<double>("--checkpoint-every") { Description = "Seconds between checkpoints", DefaultValueFactory = _ => 600 };
        var validation = new Option<int>("--validation-positions") { Description = "Held-out positions measured at each checkpoint", DefaultValueFactory = _ => 2_000 };
        var validationPerMille = new Option<int>("--validation-per-mille") { Description = "Games per thousand held out", DefaultValueFactory = _ => 20 };
        var command = new Command("train", "Train the policy/value network with TorchSharp; prints progress, checkpoints as it goes (and redraws learning-curve.png beside them), resumes exactly")
        {
            files, directory, resume, size, blocks, channels, steps, batch, optimizer, learningRate, momentum, weightDecay, schedule, warmup,
            valueWeight, buffer, seed, threads, every, validation, validationPerMille,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var paths = parse.GetValue(files) ?? [];
            var resuming = parse.GetValue(resume);
            if (!resuming && !GameFiles.AllExist(paths))
            {
                return Task.FromResult(GameFiles.UsageError);
            }
            if (resuming && paths.Length > 0)
            {
                Console.Error.WriteLine("gorelay: --resume continues the saved run with its own files and options; name no files");
                return Task.FromResult(GameFiles.UsageError);
            }
            var options = resuming ? null : new TrainingOptions(
                [.. paths.Select(Path.GetFullPath)], new NetConfig(parse.GetValue(size), parse.GetValue(blocks), parse.GetValue(channels)), parse.GetValue(steps),
                parse.GetValue(batch), parse.GetValue(optimizer), parse.GetValue(learningRate), parse.GetValue(momentum), parse.GetValue(weightDecay),
                parse.GetValue(schedule), parse.GetValue(warmup), parse.GetValue(valueWeight), parse.GetValue(buffer), parse.GetValue(seed),
                new GameSplit(parse.GetValue(validationPerMille)), parse.GetValue(threads), parse.GetValue(every), parse.GetValue(validation));
            var checkpoints = new TrainingCheckpoint(parse.GetValue(directory)!);
            // SIGTERM (kill, Kubernetes, the training script's stop) ends the run as SIGINT does: after this step and a checkpoint.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                stop.Cancel();
            });
            try
            {
                var trainer = new Trainer(checkpoints, ShowProgress, point =>
                {
                    ShowCheckpoint(point);
                    // The picture is redrawn from the saved state, so a resumed run's curve holds its earlier sessions too.
                    if (checkpoints.Latest() is { } latest)
                    {
                        LearningCurve.Write(checkpoints.Directory, TrainingCheckpoint.ReadState(latest));
                    }
                });
                // With --resume, an explicit --steps changes the saved run's length; every other option stays the run's own.
                var resumeWithSteps = resuming && parse.GetResult(steps) is { Implicit: false } ? parse.GetValue(steps) : (long?)null;
                var outcome = trainer.Run(options, stop.Token, resumeWithSteps);
                Console.WriteLine($"model train: step {outcome.State.Step:N0} of {outcome.State.Options.Steps:N0}, {outcome.State.CpuSeconds / 3600:0.00} CPU-hours; checkpoint {outcome.Checkpoint}");
                return Task.FromResult(0);
            }
            catch (InvalidOperationException e)
            {
                throw new CommandFailedException(e.Message, e);
            }
        });
        return command;
    }

    private static Command Curve()
    {
        var directory = new Option<string>("--checkpoints") { Description = "A run's folder (its latest checkpoint's history)", Required = true };
        var output = new Option<string?>("--out") { Description = $"The PNG to write (default: {LearningCurve.FileName} in the run's folder, as model train writes it)" };
        var command = new Command("curve", "Draw a run's learning curve (held-out top-1/top-5 against process CPU-hours) as a PNG") { directory, output };
        command.SetAction(parse =>
        {
            var (_, state, chosen) = LoadState(parse.GetValue(directory)!);
            var path = parse.GetValue(output) ?? Path.Combine(parse.GetValue(directory)!, LearningCurve.FileName);
            if (!LearningCurve.Write(state, path))
            {
                throw new CommandFailedException($"{chosen} has no checkpoint with a validation measurement to draw.");
            }
            Console.WriteLine($"model curve: {state.History.Count} checkpoints of {chosen} -> {path}");
            return 0;
        });
        return command;
    }

    private static (string Folder, TrainingState State, string Checkpoint) LoadState(string folder)
    {
        var latest = new TrainingCheckpoint(folder).Latest() ?? throw new CommandFailedException($"{folder} holds no checkpoint.");
        return (folder, TrainingCheckpoint.ReadState(latest), latest);
    }

    private static Command Export()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A run's folder (its latest checkpoint) or one checkpoint's folder", Required = true };
        var output = new Option<string>("--out") { Description = "The .onnx file to write", Required = true };
        var int8 = new Option<bool>("--int8") { Description = "Static int8 (QDQ), activations calibrated on training positions of the run's own data" };
        var calibrationPositions = new Option<int>("--calibration-positions") { Description = "Training positions for int8 calibration", DefaultValueFactory = _ => 2_000 };
        var percentile = new Option<double>("--calibration-percentile") { Description = "Share of activation values (percent) inside each calibrated range", DefaultValueFactory = _ => 99.999 };
        var command = new Command("export", "Write a checkpoint's network as an ONNX model (opset 17, batch norm folded; fp32 or static int8)")
        {
            checkpoint, output, int8, calibrationPositions, percentile,
        };
        command.SetAction(parse =>
        {
            var (net, state, chosen) = LoadCheckpoint(parse.GetValue(checkpoint)!);
            using var _ = net;
            byte[] bytes;
            if (parse.GetValue(int8))
            {
                var sample = PositionSample.Load(state.Options.Files, state.Options.Net.BoardSize, state.Options.EffectiveSplit,
                    parse.GetValue(calibrationPositions), DataPart.Training);
                if (sample.Count == 0)
                {
                    throw new CommandFailedException($"The run's data ({string.Join(", ", state.Options.Files)}) gave no training positions to calibrate on.");
                }
                bytes = OnnxExporter.ExportInt8(net, sample.FloatPlanes(), sample.Count, new Int8Calibration(parse.GetValue(percentile)));
            }
            else
            {
                bytes = OnnxExporter.Export(net);
            }
            File.WriteAllBytes(parse.GetValue(output)!, bytes);
            Console.WriteLine($"model export: {chosen} (step {state.Step:N0}) -> {parse.GetValue(output)} ({bytes.Length:N0} bytes{(parse.GetValue(int8) ? ", int8" : "")})");
            return 0;
        });
        return command;
    }

    /// <summary>A checkpoint's net, or a clear error when the folder holds none.</summary>
    internal static (PolicyValueNet Net, TrainingState State, string Checkpoint) LoadCheckpoint(string folder)
    {
        try
        {
            return TrainingCheckpoint.LoadNet(folder);
        }
        catch (InvalidOperationException e)
        {
            throw new CommandFailedException(e.Message, e);
        }
    }

    private static Command Eval()
    {
        var model = new Option<string>("--model") { Description = "The .onnx model", Required = true };
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections", Arity = ArgumentArity.OneOrMore };
        var part = new Option<string>("--part") { Description = "all, validation (games never trained on) or training", DefaultValueFactory = _ => "all" };
        var limit = new Option<int>("--games") { Description = "At most this many games (0: all)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("eval", "Move accuracy (top-1/3/5), value accuracy and accuracy by game phase of a model on game records") { model, files, part, limit, threads };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            if (!GameFiles.AllExist(paths) || !File.Exists(parse.GetValue(model)))
            {
                if (!File.Exists(parse.GetValue(model)))
                {
                    Console.Error.WriteLine($"gorelay: {parse.GetValue(model)}: no such file");
                }
                return GameFiles.UsageError;
            }
            DataPart? wanted = parse.GetValue(part) switch
            {
                "all" => null,
                "validation" => DataPart.Validation,
                "training" => DataPart.Training,
                var other => throw new CommandFailedException($"--part is all, validation or training, not '{other}'"),
            };
            using var predictor = OnnxMovePredictor.Load(parse.GetValue(model)!, Math.Max(1, parse.GetValue(threads)));
            var evaluation = new ModelEvaluation(predictor);
            var games = GameCollections.Read(paths, predictor.BoardSize, new GameSplit(), wanted);
            if (parse.GetValue(limit) > 0)
            {
                games = games.Take(parse.GetValue(limit));
            }
            var started = System.Diagnostics.Stopwatch.StartNew();
            var shown = TimeSpan.Zero;
            evaluation.Add(games, e =>
            {
                if (started.Elapsed - shown > TimeSpan.FromSeconds(2))
                {
                    shown = started.Elapsed;
                    Console.Error.Write($"\r{e.Games:N0} games, {e.Overall.Positions:N0} positions, {e.Overall.Positions / started.Elapsed.TotalSeconds:N0}/s, top-1 {Ratio(e.Overall.Top1, e.Overall.Positions)}   ");
                }
            });
            Console.Error.WriteLine();
            Console.WriteLine($"{evaluation.Games:N0} games, {evaluation.Overall.Positions:N0} positions ({parse.GetValue(part)})");
            Console.WriteLine($"{"",-22} {"positions",10} {"top-1",8} {"top-3",8} {"top-5",8} {"value",8}");
            void Row(string name, AccuracyCounts c) => Console.WriteLine(
                $"{name,-22} {c.Positions,10:N0} {Ratio(c.Top1, c.Positions),8} {Ratio(c.Top3, c.Positions),8} {Ratio(c.Top5, c.Positions),8} {Ratio(c.ValueRight, c.Decided),8}");
            Row("all", evaluation.Overall);
            foreach (var (phase, counts) in evaluation.ByPhase)
            {
                Row(phase.Name, counts);
            }
            return 0;
        });
        return command;
    }

    private static string Ratio(long part, long whole) => whole == 0 ? "-" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);

    private static void ShowProgress(TrainingProgress p) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {p.Step,9:N0}/{p.Steps:N0} {100.0 * p.Step / p.Steps,5:0.0}% | {p.PositionsPerSecond,7:N0} pos/s | loss {p.Loss:0.000} | acc {p.Accuracy,6:P1} | lr {p.LearningRate:0.0000} | epoch {p.Epoch} | ETA {Format(p.Remaining)}"));

    private static void ShowCheckpoint(TrainingHistoryPoint p) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"checkpoint at step {p.Step:N0}: {p.Positions:N0} positions, {p.CpuHours:0.00} CPU-hours, train loss {p.TrainLoss:0.000}, train acc {p.TrainAccuracy:P1}, validation top-1 {Percent(p.ValidationTop1)}, top-5 {Percent(p.ValidationTop5)}"));

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "not measured";

    private static string Format(TimeSpan span) => span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:00}m" : $"{span.Minutes}m {span.Seconds:00}s";
}
