using Microsoft.Extensions.Logging;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Grains.Hosting;

/// <summary>
/// Runs on every silo and keeps the cluster's singleton grains running: once a second, from the moment this silo is
/// active until it starts stopping, it calls each singleton's <see cref="ISingletonGrain.EnsureRunning"/>, so after the
/// silo hosting one dies, the first call from a survivor once membership has declared the death activates it there.
/// </summary>
internal sealed partial class SingletonKeeper(IGrainFactory grains, ILogger<SingletonKeeper> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How often each singleton is called.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SingletonKeeper), ServiceLifecycleStage.Active, Start, StopAsync);
    }

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = KeepAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    private async Task KeepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failing = false;
        try
        {
            do
            {
                try
                {
                    await Task.WhenAll(
                        grains.GetGrain<IRelayHealthMonitorGrain>(ISingletonGrain.Key).EnsureRunning(),
                        grains.GetGrain<IPendingTransferExpirerGrain>(ISingletonGrain.Key).EnsureRunning(),
                        grains.GetGrain<Federated.IRoundSchedulerGrain>(ISingletonGrain.Key).EnsureRunning()).ConfigureAwait(false);
                    if (failing)
                    {
                        LogRecovered(logger);
                        failing = false;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The singleton's silo just died and membership has not settled yet: the next second tries again.
                    if (!failing)
                    {
                        LogNotReachable(logger, e);
                        failing = true;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster singletons not reachable; retrying every second")]
    private static partial void LogNotReachable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster singletons reachable again")]
    private static partial void LogRecovered(ILogger logger);
}
