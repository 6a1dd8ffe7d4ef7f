using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>
/// Makes the promoted version's inference session as soon as the silo is active, in the background: the int8 export
/// and its calibration take seconds for the shipped net, which the first paying request would otherwise wait for.
/// </summary>
internal sealed partial class InferenceWarmUp(InferenceModels models, ILogger<InferenceWarmUp> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(InferenceWarmUp), ServiceLifecycleStage.Active, cancellationToken =>
        {
            // Not awaited: the silo's start does not wait for it (a stop cancels nothing here: the work is bounded).
            _ = Task.Run(WarmUpAsync, CancellationToken.None);
            return Task.CompletedTask;
        });
    }

    private async Task WarmUpAsync()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var served = await models.GetAsync(null).ConfigureAwait(false);
            LogReady(logger, served.Version.ModelHash[..12], clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is RequestRefusedException or InvalidOperationException or IOException or Npgsql.NpgsqlException)
        {
            // No registry here (no validation games configured) or the database is away: the first request tries again.
            LogNotReady(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inference session of {Version} ready in {Seconds:F1} s")]
    private static partial void LogReady(ILogger logger, string version, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inference session not made at start: {Reason}")]
    private static partial void LogNotReady(ILogger logger, string reason);
}
