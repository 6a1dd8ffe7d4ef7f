using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Runtime.Activation;
using OrleansGoRelay.Runtime.Hosting;

namespace OrleansGoRelay.Runtime.Reminders;

/// <summary>Polls for due reminders, claims them for this silo and delivers each as a turn of its grain.</summary>
public sealed partial class ReminderService(
    IReminderTable table,
    GrainRuntime runtime,
    SiloIdentity silo,
    IOptions<GrainRuntimeOptions> options,
    ILogger<ReminderService> logger)
{
    private const int ClaimBatch = 64;

    internal async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.ReminderPollInterval);
        try
        {
            do
            {
                try
                {
                    IReadOnlyList<ReminderTick> ticks;
                    do
                    {
                        ticks = await table.ClaimDueAsync(silo.SiloId, ClaimBatch, options.Value.ReminderLease, stop).ConfigureAwait(false);
                        await Task.WhenAll(ticks.Select(tick => DeliverAsync(tick, stop))).ConfigureAwait(false);
                    }
                    while (ticks.Count == ClaimBatch && !stop.IsCancellationRequested);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    LogPollFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(ReminderTick tick, CancellationToken stop)
    {
        try
        {
            await runtime.DeliverReminderAsync(tick).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A failing grain (corrupted state, a bug) loses this tick, as in Orleans; it never stops the service.
            LogDeliveryFailed(ex, tick.Name, tick.GrainId);
        }

        await table.CompleteAsync(tick, silo.SiloId, stop).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder poll failed")]
    private partial void LogPollFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reminder {Name} of grain {GrainId} failed")]
    private partial void LogDeliveryFailed(Exception ex, string name, GrainId grainId);
}
