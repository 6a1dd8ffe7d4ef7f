using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Learning.Training;

/// <summary>The optimiser that updates the weights.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with Nesterov momentum (what AlphaGo Zero and KataGo use).</summary>
    Sgd,
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
}

/// <summary>How the learning rate moves over the run.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout (after warm-up).</summary>
    Constant,
    /// <summary>Cosine decay from the base rate to 1 % of it at <see cref="TrainingOptions.Steps"/>.</summary>
    Cosine,
    /// <summary>Divided by 10 at 50 % and at 75 % of the steps.</summary>
    Step,
}

/// <summary>Everything a training run depends on; saved in each checkpoint, so a resumed run is the same run.</summary>
/// <param name="Files">SGF collections to learn from (the training part of each).</param>
/// <param name="Net">The network's shape.</param>
/// <param name="Steps">Optimiser steps in the whole run.</param>
/// <param name="BatchSize">Positions per step.</param>
/// <param name="Optimizer">The optimiser.</param>
/// <param name="LearningRate">The base learning rate.</param>
/// <param name="Momentum">SGD momentum (Nesterov), or Adam's β1.</param>
/// <param name="WeightDecay">L2 penalty (SGD) or decoupled decay (AdamW).</param>
/// <param name="Schedule">The learning-rate schedule.</param>
/// <param name="WarmupSteps">Steps of linear warm-up from 0 to the base rate.</param>
/// <param name="ValueWeight">Weight of the value loss (mean squared error) beside the policy's cross-entropy.</param>
/// <param name="ShuffleBuffer">Positions in the shuffle buffer.</param>
/// <param name="Seed">The seed of the data order and the initial weights.</param>
/// <param name="Split">The train/validation split.</param>
/// <param name="Threads">Threads for the tensor library (0: one per core).</param>
/// <param name="CheckpointEverySeconds">Seconds between checkpoints (a SIGKILL loses at most this much work).</param>
/// <param name="ValidationPositions">Validation positions measured at each checkpoint (0: none).</param>
public sealed record TrainingOptions(
    IReadOnlyList<string> Files,
    NetConfig Net,
    long Steps,
    int BatchSize = 128,
    OptimizerKind Optimizer = OptimizerKind.Sgd,
    double LearningRate = 0.05,
    double Momentum = 0.9,
    double WeightDecay = 1e-4,
    ScheduleKind Schedule = ScheduleKind.Cosine,
    long WarmupSteps = 200,
    double ValueWeight = 0.25,
    int ShuffleBuffer = 20_000,
    int Seed = 1,
    GameSplit? Split = null,
    int Threads = 0,
    double CheckpointEverySeconds = 600,
    int ValidationPositions = 2_000)
{
    /// <summary>The split in force (the default one when none is given).</summary>
    public GameSplit EffectiveSplit => Split ?? new GameSplit();

    /// <summary>The learning rate at optimiser step <paramref name="step"/> (from 0).</summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps)
        {
            return LearningRate * (step + 1) / WarmupSteps;
        }
        var progress = Steps <= WarmupSteps ? 1.0 : Math.Clamp((double)(step - WarmupSteps) / (Steps - WarmupSteps), 0, 1);
        return Schedule switch
        {
            ScheduleKind.Constant => LearningRate,
            ScheduleKind.Cosine => LearningRate * (0.01 + 0.99 * 0.5 * (1 + Math.Cos(Math.PI * progress))),
            ScheduleKind.Step => LearningRate * (progress < 0.5 ? 1 : progress < 0.75 ? 0.1 : 0.01),
            _ => throw new ArgumentOutOfRangeException(nameof(step), Schedule, "unknown schedule"),
        };
    }
}
