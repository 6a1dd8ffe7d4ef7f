using OrleansGoRelay.Contracts.Games;

namespace OrleansGoRelay.Grains.Games;

/// <summary>
/// A silo's receiver of game events (an observer): the gateway on every silo registers one, and each game grain sends
/// its events to every registered sink, which hands them to the WebSocket clients and relay uplinks on its silo that
/// watch that game. One-way: a slow or dead silo never holds up a move.
/// </summary>
[Alias("gorelay.IGameEventSink")]
public interface IGameEventSink : IGrainObserver
{
    /// <summary>Delivers one event.</summary>
    [OneWay]
    Task OnGameEvent(GameEvent gameEvent);
}

/// <summary>
/// Where game grains find the silos' event sinks. One activation cluster-wide (well-known key <see cref="Key"/>),
/// in memory only: each silo re-registers its sink every few seconds, so a registry lost with its silo is whole again
/// within that period.
/// </summary>
[Alias("gorelay.IGameEventSinkRegistryGrain")]
public interface IGameEventSinkRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>The well-known key.</summary>
    const long Key = 0;

    /// <summary>Registers (or refreshes) a silo's sink; registrations not refreshed within a minute lapse.</summary>
    Task Register(string siloId, IGameEventSink sink);

    /// <summary>Removes a silo's sink (on graceful stop).</summary>
    Task Unregister(string siloId);

    /// <summary>Every live sink.</summary>
    [AlwaysInterleave] // read-only over an in-memory map; game activations ask for it on their hot path
    Task<IReadOnlyList<IGameEventSink>> Sinks();
}
