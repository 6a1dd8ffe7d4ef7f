using System.CommandLine;
using System.Globalization;
using OrleansGoRelay.Cli.GoTools;
using OrleansGoRelay.Learning.Data;
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
        return model;
    }

    private static Command Train()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections to learn from (their training part)", Arity = ArgumentArity.ZeroOrMore };
        var directory = new Option<string>("--checkpoints") { Description = "The run's folder (checkpoints and history)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --checkpoints exactly where its last checkpoint left it (its own options)" };
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
        var command = new Command("train", "Train the policy/value network with TorchSharp; prints progress, checkpoints as it goes, resumes exactly")
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
            try
            {
                var trainer = new Trainer(checkpoints, ShowProgress, ShowCheckpoint);
                var outcome = trainer.Run(options, cancellationToken);
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

    private static void ShowProgress(TrainingProgress p) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {p.Step,9:N0}/{p.Steps:N0} {100.0 * p.Step / p.Steps,5:0.0}% | {p.PositionsPerSecond,7:N0} pos/s | loss {p.Loss:0.000} | acc {p.Accuracy,6:P1} | lr {p.LearningRate:0.0000} | epoch {p.Epoch} | ETA {Format(p.Remaining)}"));

    private static void ShowCheckpoint(TrainingHistoryPoint p) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"checkpoint at step {p.Step:N0}: {p.Positions:N0} positions, {p.CpuHours:0.00} CPU-hours, train loss {p.TrainLoss:0.000}, train acc {p.TrainAccuracy:P1}, validation top-1 {Percent(p.ValidationTop1)}, top-5 {Percent(p.ValidationTop5)}"));

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "not measured";

    private static string Format(TimeSpan span) => span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:00}m" : $"{span.Minutes}m {span.Seconds:00}s";
}
