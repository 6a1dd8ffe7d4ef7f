using OrleansGoRelay.Learning.Training;
using OrleansGoRelay.Pictures;

namespace OrleansGoRelay.Cli.Pictures;

/// <summary>A training run's learning curve: held-out top-1 and top-5 against the run's process CPU-hours, one point per checkpoint.</summary>
internal static class LearningCurve
{
    /// <summary>The picture's name in the run's folder, beside its checkpoints.</summary>
    public const string FileName = "learning-curve.png";

    /// <summary>Draws the run's history (every checkpoint with a validation measurement) to <c>learning-curve.png</c> in its folder; false when no point has one yet.</summary>
    public static bool Write(string runFolder, TrainingState state) => Write(state, Path.Combine(runFolder, FileName));

    /// <summary>Draws the history to <paramref name="path"/>; false when no point has a validation measurement.</summary>
    public static bool Write(TrainingState state, string path)
    {
        ArgumentNullException.ThrowIfNull(state);
        var measured = state.History.Where(p => p.ValidationTop1 is not null && p.ValidationTop5 is not null).ToList();
        if (measured.Count == 0)
        {
            return false;
        }
        var hours = measured.Select(p => p.CpuHours).ToList();
        var net = state.Options.Net;
        var png = Charts.Lines(
            $"Learning curve: {net.Blocks} x {net.Channels} net, step {state.Step:N0} of {state.Options.Steps:N0}",
            "process CPU-hours (all sessions of the run)", "accuracy on held-out games, never trained on (%)",
            [
                new LineSeries("top-5", hours, [.. measured.Select(p => 100 * p.ValidationTop5!.Value)]),
                new LineSeries("top-1", hours, [.. measured.Select(p => 100 * p.ValidationTop1!.Value)]),
            ]);
        PictureStyle.Save(png, path);
        return true;
    }
}
