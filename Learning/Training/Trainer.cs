using System.Diagnostics;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Training;

/// <summary>How a run is going, reported every few seconds.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="Steps">Steps in the run.</param>
/// <param name="PositionsPerSecond">Training positions per second in this session.</param>
/// <param name="Loss">Mean loss over the recent steps.</param>
/// <param name="Accuracy">Top-1 move accuracy over the recent training batches.</param>
/// <param name="LearningRate">The current learning rate.</param>
/// <param name="Remaining">Estimated time to the last step at the current speed.</param>
/// <param name="Epoch">Complete passes over the data.</param>
public sealed record TrainingProgress(long Step, long Steps, double PositionsPerSecond, double Loss, double Accuracy, double LearningRate, TimeSpan Remaining, int Epoch);

/// <summary>What a finished (or stopped) run reached.</summary>
/// <param name="State">The last checkpoint's state.</param>
/// <param name="Checkpoint">The last checkpoint's folder.</param>
public sealed record TrainingOutcome(TrainingState State, string Checkpoint);

/// <summary>
/// Trains a <see cref="PolicyValueNet"/> on <see cref="TrainingPositions"/> with TorchSharp: cross-entropy on the
/// move played plus <see cref="TrainingOptions.ValueWeight"/> × squared error on the game's outcome, the configured
/// optimiser and schedule, a checkpoint every <see cref="TrainingOptions.CheckpointEverySeconds"/> and at the end
/// (or when cancelled). Resuming loads the weights and optimiser state and moves a new stream past the positions already
/// taken, so the resumed run continues exactly where the checkpoint was written.
/// </summary>
public sealed class Trainer(TrainingCheckpoint checkpoints, Action<TrainingProgress>? progress = null, Action<TrainingHistoryPoint>? checkpointed = null)
{
    /// <summary>Seconds between progress reports.</summary>
    public double ProgressEverySeconds { get; init; } = 5;

    /// <summary>
    /// Starts a new run (the folder must hold no checkpoint) or, with <paramref name="options"/> null, resumes the latest
    /// one; <paramref name="resumeWithSteps"/> then changes the run's length (the schedule is recomputed for the new total
    /// from the step it has reached).
    /// </summary>
    public TrainingOutcome Run(TrainingOptions? options, CancellationToken cancellationToken, long? resumeWithSteps = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var latest = checkpoints.Latest();
        TrainingState state;
        if (options is null)
        {
            state = TrainingCheckpoint.ReadState(latest ?? throw new InvalidOperationException($"Nothing to resume: {checkpoints.Directory} holds no checkpoint."));
            if (resumeWithSteps is { } steps)
            {
                if (steps <= state.Step)
                {
                    throw new InvalidOperationException($"The run has already taken {state.Step:N0} steps; --steps {steps:N0} would end it before now.");
                }
                state = state with { Options = state.Options with { Steps = steps } };
            }
            var missing = state.Options.Files.FirstOrDefault(f => !File.Exists(f));
            if (missing is not null)
            {
                throw new InvalidOperationException($"The run learns from {missing}, which is not there.");
            }
        }
        else
        {
            if (latest is not null)
            {
                throw new InvalidOperationException($"{checkpoints.Directory} already holds a run (its latest checkpoint is {Path.GetFileName(latest)}); resume it or choose another folder.");
            }
            state = new TrainingState(options, 0, 0, 0, []);
        }
        var run = state.Options;
        torch.set_num_threads(run.Threads > 0 ? run.Threads : Environment.ProcessorCount);
        torch.random.manual_seed(run.Seed);
        using var net = new PolicyValueNet(run.Net);
        using var optimizer = CreateOptimizer(net, run);
        if (latest is not null && options is null)
        {
            net.load(Path.Combine(latest, "model.bin"));
            optimizer.load_state_dict(Path.Combine(latest, "optimizer.bin"));
        }
        var stream = new TrainingPositions(run.Files, run.Net.BoardSize, run.EffectiveSplit, run.ShuffleBuffer, run.Seed);
        stream.Skip(state.Positions);
        var validation = PositionSample.Load(run.Files, run.Net.BoardSize, run.EffectiveSplit, run.ValidationPositions);

        var size = run.Net.BoardSize;
        var perPosition = InputPlanes.Count * size * size;
        var planes = new float[run.BatchSize * perPosition];
        var moves = new long[run.BatchSize];
        var outcomes = new float[run.BatchSize];
        var weights = new float[run.BatchSize];
        var session = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var sinceCheckpoint = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        double lossSum = 0, correct = 0, seen = 0;
        double recentLoss = 0, recentCorrect = 0, recentSeen = 0, recentSteps = 0;
        var stepsThisSession = 0L;
        var lastCheckpoint = latest;
        net.train();
        while (state.Step < run.Steps && !cancellationToken.IsCancellationRequested)
        {
            var learningRate = run.LearningRateAt(state.Step);
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = learningRate;
            }
            stream.NextBatch(run.BatchSize, planes, moves, outcomes, weights);
            using (var scope = NewDisposeScope())
            {
                var input = tensor(planes, [run.BatchSize, InputPlanes.Count, size, size]);
                var targetMoves = tensor(moves);
                var targetOutcomes = tensor(outcomes);
                var outcomeWeights = tensor(weights);
                var (policy, value) = net.forward(input);
                var policyLoss = nn.functional.cross_entropy(policy, targetMoves);
                var valueLoss = ((value - targetOutcomes).square() * outcomeWeights).sum() / outcomeWeights.sum().clamp_min(1);
                var loss = policyLoss + run.ValueWeight * valueLoss;
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                var batchLoss = loss.item<float>();
                var batchCorrect = policy.argmax(1).eq(targetMoves).sum().item<long>();
                lossSum += batchLoss * run.BatchSize;
                correct += batchCorrect;
                seen += run.BatchSize;
                recentLoss += batchLoss;
                recentCorrect += batchCorrect;
                recentSeen += run.BatchSize;
                recentSteps++;
            }
            state = state with { Step = state.Step + 1, Positions = stream.Emitted };
            stepsThisSession++;
            if (sinceProgress.Elapsed.TotalSeconds >= ProgressEverySeconds || state.Step == run.Steps)
            {
                var rate = stepsThisSession * run.BatchSize / session.Elapsed.TotalSeconds;
                var remaining = TimeSpan.FromSeconds((run.Steps - state.Step) * run.BatchSize / Math.Max(rate, 1e-9));
                progress?.Invoke(new TrainingProgress(state.Step, run.Steps, rate, recentLoss / recentSteps, recentCorrect / recentSeen, learningRate, remaining, stream.Epoch));
                (recentLoss, recentCorrect, recentSeen, recentSteps) = (0, 0, 0, 0);
                sinceProgress.Restart();
            }
            if (sinceCheckpoint.Elapsed.TotalSeconds >= run.CheckpointEverySeconds)
            {
                lastCheckpoint = Save();
                sinceCheckpoint.Restart();
            }
        }
        if (lastCheckpoint is null || TrainingCheckpoint.ReadState(lastCheckpoint).Step != state.Step)
        {
            lastCheckpoint = Save();
        }
        return new TrainingOutcome(state, lastCheckpoint);

        string Save()
        {
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds;
            var (top1, top5) = validation.Count > 0 ? validation.Measure(net) : ((double?)null, (double?)null);
            var point = new TrainingHistoryPoint(state.Step, state.Positions, (state.CpuSeconds + cpu) / 3600, seen > 0 ? lossSum / seen : double.NaN,
                seen > 0 ? correct / seen : double.NaN, top1, top5, DateTimeOffset.UtcNow);
            state = state with { CpuSeconds = state.CpuSeconds + cpu, History = [.. state.History, point] };
            cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
            (lossSum, correct, seen) = (0, 0, 0);
            var saved = checkpoints.Save(state, folder =>
            {
                net.save(Path.Combine(folder, "model.bin"));
                optimizer.save_state_dict(Path.Combine(folder, "optimizer.bin"));
            });
            checkpointed?.Invoke(point);
            return saved;
        }
    }

    private static TorchSharp.Modules.OptimizerHelper CreateOptimizer(PolicyValueNet net, TrainingOptions run) => run.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(net.parameters(), run.LearningRate, momentum: run.Momentum, weight_decay: run.WeightDecay, nesterov: true),
        OptimizerKind.AdamW => optim.AdamW(net.parameters(), run.LearningRate, beta1: run.Momentum, weight_decay: run.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(run), run.Optimizer, "unknown optimizer"),
    };
}
