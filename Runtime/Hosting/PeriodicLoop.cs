namespace OrleansGoRelay.Runtime.Hosting;

/// <summary>The one shape of every background loop of a silo: tick on an interval until stopped, surviving failed ticks.</summary>
internal static class PeriodicLoop
{
    /// <summary>
    /// Runs <paramref name="tick"/> every <paramref name="interval"/> (first at once when <paramref name="tickAtStart"/>)
    /// until <paramref name="stop"/> is cancelled or a tick returns false. A tick that throws is reported to
    /// <paramref name="onError"/> and the loop goes on: one bad tick must not end heartbeats or reminders.
    /// </summary>
    public static async Task RunAsync(TimeSpan interval, bool tickAtStart, Func<CancellationToken, Task<bool>> tick, Action<Exception> onError, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            if (!tickAtStart && !await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                return;
            }

            do
            {
                try
                {
                    if (!await tick(stop).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    onError(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
