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

    internal Task RunAsync(CancellationToken stop) =>
        PeriodicLoop.RunAsync(options.Value.ReminderPollInterval, tickAtStart: true, async token =>
        {
            IReadOnlyList<ReminderTick> ticks;
            do
            {
                ticks = await table.ClaimDueAsync(silo.SiloId, ClaimBatch, options.Value.ReminderLease, token).ConfigureAwait(false);
                await Task.WhenAll(ticks.Select(tick => DeliverAsync(tick, token))).ConfigureAwait(false);
            }
            while (ticks.Count == ClaimBatch && !token.IsCancellationRequested);
            return true;
        }, LogPollFailed, stop);

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
