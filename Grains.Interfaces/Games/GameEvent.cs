using System.Text.Json;

namespace OrleansGoRelay.Grains.Games;

/// <summary>What happened in a game, pushed to relays and WebSocket subscribers. Best effort: the game grain is the truth.</summary>
/// <param name="Type"><c>move</c>, <c>ended</c>, <c>result</c> or <c>relay</c>.</param>
/// <param name="GameId">The game.</param>
/// <param name="State">The game's state after the event.</param>
/// <param name="Move">The move, for <c>move</c>.</param>
/// <param name="Result">The result, when known.</param>
/// <param name="Player">The player an assignment concerns, for <c>relay</c>.</param>
/// <param name="Relay">The new assignment, for <c>relay</c>.</param>
/// <param name="Address">Where that player reconnects, for <c>relay</c>.</param>
[GenerateSerializer, Immutable, Alias("gorelay.GameEvent")]
public sealed record GameEvent(
    string Type, string GameId, GameState State, PlayedMove? Move = null, string? Result = null, string? Player = null,
    RelayAssignment? Relay = null, string? Address = null)
{
    // As the API writes games ("playing", "counting"), so an event reads like the game it comes from.
    private static JsonSerializerOptions Json => ApiJson.Options;

    /// <summary>The event as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads an event; null when the text is not one.</summary>
    public static GameEvent? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<GameEvent>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

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
