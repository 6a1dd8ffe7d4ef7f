using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Grains.Games;

namespace OrleansGoRelay.Gateway.Games;

/// <summary>
/// This silo's game event sink: an Orleans observer registered with the sink registry, which every game grain sends
/// its events to. It hands each event to the local watchers of that game (WebSocket clients of
/// <c>/api/v1/games/{id}/events</c> and relay uplinks), and nothing else: events are a wake-up, the game grain is the
/// truth, and a watcher that missed one asks for the game.
/// </summary>
public sealed partial class GameEventHub(IGrainFactory grains, ILocalSiloDetails silo, ILogger<GameEventHub> logger)
    : IGameEventSink, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How often the registration is refreshed (the registry lets one lapse after a minute).</summary>
    public static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Watcher, byte>> _watchers = new(StringComparer.Ordinal);
    private IGameEventSink? _reference;

    /// <summary>Calls <paramref name="onEvent"/> for every event of the game until the result is disposed.</summary>
    public IDisposable Watch(string gameId, Action<GameEvent> onEvent)
    {
        var watcher = new Watcher(this, gameId, onEvent);
        _watchers.GetOrAdd(gameId, _ => new()).TryAdd(watcher, 0);
        return watcher;
    }

    /// <inheritdoc />
    public Task OnGameEvent(GameEvent gameEvent)
    {
        ArgumentNullException.ThrowIfNull(gameEvent);
        if (_watchers.TryGetValue(gameEvent.GameId, out var watchers))
        {
            foreach (var watcher in watchers.Keys)
            {
                try
                {
                    watcher.OnEvent(gameEvent);
                }
                catch (Exception e)
                {
                    LogWatcherFailed(logger, e, gameEvent.GameId);
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Registers once the silo is active (grain calls work) and unregisters first thing when it stops.</summary>
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(GameEventHub), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    private readonly CancellationTokenSource _stopping = new();
    private Task? _registering;

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<IGameEventSink>(this);
        _registering = RegisterLoopAsync(_reference, _stopping.Token);
        return Task.CompletedTask;
    }

    private async Task RegisterLoopAsync(IGameEventSink reference, CancellationToken stoppingToken)
    {
        var registry = grains.GetGrain<IGameEventSinkRegistryGrain>(IGameEventSinkRegistryGrain.Key);
        var siloId = silo.SiloAddress.ToParsableString();
        using var timer = new PeriodicTimer(RegistrationInterval);
        try
        {
            do
            {
                try
                {
                    await registry.Register(siloId, reference).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRegistrationFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reference is null)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _registering!.ConfigureAwait(false);
        try
        {
            await grains.GetGrain<IGameEventSinkRegistryGrain>(IGameEventSinkRegistryGrain.Key).Unregister(silo.SiloAddress.ToParsableString())
                .WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stopping anyway: the registration lapses on its own.
            LogRegistrationFailed(logger, e);
        }
        grains.DeleteObjectReference<IGameEventSink>(_reference);
    }

    private void Remove(Watcher watcher)
    {
        if (_watchers.TryGetValue(watcher.GameId, out var watchers))
        {
            watchers.TryRemove(watcher, out _);
            if (watchers.IsEmpty)
            {
                _watchers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Watcher, byte>>(watcher.GameId, watchers));
            }
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A watcher of game {GameId} failed on an event")]
    private static partial void LogWatcherFailed(ILogger logger, Exception exception, string gameId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register this silo's game event sink; retrying")]
    private static partial void LogRegistrationFailed(ILogger logger, Exception exception);

    private sealed class Watcher(GameEventHub hub, string gameId, Action<GameEvent> onEvent) : IDisposable
    {
        public string GameId => gameId;

        public void OnEvent(GameEvent gameEvent) => onEvent(gameEvent);

        public void Dispose() => hub.Remove(this);
    }
}
