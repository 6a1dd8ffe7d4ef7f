using OrleansGoRelay.Learning.Model;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansGoRelay.Learning.Training;

/// <summary>One line of a run's history: where it stood at a checkpoint.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="Positions">Training positions seen.</param>
/// <param name="CpuHours">Process CPU time so far, over every session of the run.</param>
/// <param name="TrainLoss">Mean loss since the previous checkpoint.</param>
/// <param name="TrainAccuracy">Top-1 move accuracy on the training batches since the previous checkpoint.</param>
/// <param name="ValidationTop1">Top-1 move accuracy on the held-out positions.</param>
/// <param name="ValidationTop5">Top-5 move accuracy on the held-out positions.</param>
/// <param name="At">When.</param>
public sealed record TrainingHistoryPoint(
    long Step, long Positions, double CpuHours, double TrainLoss, double TrainAccuracy, double? ValidationTop1, double? ValidationTop5, DateTimeOffset At);

/// <summary>A run's progress as saved beside its weights.</summary>
/// <param name="Options">The run's options (a resumed run keeps them).</param>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="Positions">Training positions taken from the stream.</param>
/// <param name="CpuSeconds">Process CPU seconds over every session of the run.</param>
/// <param name="History">One point per checkpoint.</param>
public sealed record TrainingState(TrainingOptions Options, long Step, long Positions, double CpuSeconds, IReadOnlyList<TrainingHistoryPoint> History);

/// <summary>
/// A run's checkpoints in one folder: each a subfolder <c>step-NNNNNNNNN</c> with the weights (<c>model.bin</c>), the
/// optimiser's state (<c>optimizer.bin</c>) and <c>state.json</c>. A checkpoint is written into a temporary folder and
/// renamed into place, so a SIGKILL at any moment leaves the previous one whole; the two newest are kept.
/// </summary>
public sealed class TrainingCheckpoint(string directory)
{
    private const string Prefix = "step-";

    /// <summary>How state files are written.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The run's folder.</summary>
    public string Directory { get; } = directory;

    /// <summary>The newest whole checkpoint's folder, or null.</summary>
    public string? Latest()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return null;
        }
        return System.IO.Directory.GetDirectories(Directory, Prefix + "*")
            .Where(d => File.Exists(Path.Combine(d, "state.json")))
            .OrderBy(d => d, StringComparer.Ordinal)
            .LastOrDefault();
    }

    /// <summary>Reads a checkpoint's state; its data files come back as full paths.</summary>
    public static TrainingState ReadState(string checkpoint)
    {
        var state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(Path.Combine(checkpoint, "state.json")), Json)
            ?? throw new InvalidDataException($"{checkpoint}/state.json is empty.");
        var run = Path.GetDirectoryName(Path.GetFullPath(checkpoint)) ?? ".";
        return state with { Options = state.Options with { Files = [.. state.Options.Files.Select(f => Path.GetFullPath(f, run))] } };
    }

    /// <summary>
    /// The network of <paramref name="folder"/>: one checkpoint's folder, or a run's (its latest checkpoint), in
    /// evaluation mode, with the checkpoint's state and folder.
    /// </summary>
    public static (PolicyValueNet Net, TrainingState State, string Checkpoint) LoadNet(string folder)
    {
        var chosen = File.Exists(Path.Combine(folder, "state.json")) ? folder
            : new TrainingCheckpoint(folder).Latest() ?? throw new InvalidOperationException($"{folder} holds no checkpoint.");
        var state = ReadState(chosen);
        var net = new PolicyValueNet(state.Options.Net);
        net.load(Path.Combine(chosen, "model.bin"));
        net.eval();
        return (net, state, chosen);
    }

    /// <summary>Writes a checkpoint: <paramref name="writeWeights"/> fills the folder it is given; then the state; then the rename.</summary>
    public string Save(TrainingState state, Action<string> writeWeights)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(writeWeights);
        System.IO.Directory.CreateDirectory(Directory);
        var final = Path.Combine(Directory, $"{Prefix}{state.Step:D9}");
        var temporary = Path.Combine(Directory, $".writing-{state.Step:D9}-{Environment.ProcessId}");
        if (System.IO.Directory.Exists(temporary))
        {
            System.IO.Directory.Delete(temporary, recursive: true);
        }
        System.IO.Directory.CreateDirectory(temporary);
        writeWeights(temporary);
        foreach (var written in System.IO.Directory.GetFiles(temporary))
        {
            using var file = new FileStream(written, FileMode.Open, FileAccess.ReadWrite);
            file.Flush(flushToDisk: true); // on disk before the rename makes the checkpoint visible
        }
        var statePath = Path.Combine(temporary, "state.json");
        // Data files are saved relative to the run's folder, so a run copied to another clone (the committed baseline
        // checkpoint, beside its ../shared) resumes there.
        var run = Path.GetFullPath(Directory);
        var portable = state with { Options = state.Options with { Files = [.. state.Options.Files.Select(f => Path.GetRelativePath(run, Path.GetFullPath(f)))] } };
        using (var stream = new FileStream(statePath, FileMode.CreateNew))
        {
            JsonSerializer.Serialize(stream, portable, Json);
            stream.Flush(flushToDisk: true);
        }
        if (System.IO.Directory.Exists(final))
        {
            System.IO.Directory.Delete(final, recursive: true);
        }
        System.IO.Directory.Move(temporary, final);
        foreach (var old in System.IO.Directory.GetDirectories(Directory, Prefix + "*").OrderBy(d => d, StringComparer.Ordinal).SkipLast(2))
        {
            System.IO.Directory.Delete(old, recursive: true);
        }
        foreach (var stale in System.IO.Directory.GetDirectories(Directory, ".writing-*"))
        {
            System.IO.Directory.Delete(stale, recursive: true);
        }
        return final;
    }
}
