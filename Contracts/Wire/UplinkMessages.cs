using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansGoRelay.Contracts.Games;

namespace OrleansGoRelay.Contracts.Wire;

// The uplink: one WebSocket from each relay agent to a gateway (/api/v1/relays/{relayId}/uplink, signed upgrade), one
// JSON object per text message, told apart by "op".
// Relay → gateway: {op:"session"|"move"|"result"|"get", id, gameId, player, moveNumber, move, result} and
// {op:"watch"|"unwatch", gameId}. Gateway → relay: {op:"reply", id, status, body} (status 200 and the result, or a
// problem's status with body {code, detail}) and {op:"event", event}.

/// <summary>Limits of the uplink.</summary>
public static class Uplink
{
    /// <summary>The largest uplink message either side accepts (a whole game is far smaller).</summary>
    public const int MaxMessageBytes = 1 << 20;

    /// <summary>The uplink's path for a relay.</summary>
    public static string Path(string relayId) => $"/api/v1/relays/{relayId}/uplink";
}

/// <summary>A message from a relay to the gateway; a bare <see cref="UplinkRequest"/> is one of an unknown op.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(SessionCall), "session")]
[JsonDerivedType(typeof(MoveCall), "move")]
[JsonDerivedType(typeof(ResultCall), "result")]
[JsonDerivedType(typeof(GetCall), "get")]
[JsonDerivedType(typeof(WatchRequest), "watch")]
[JsonDerivedType(typeof(UnwatchRequest), "unwatch")]
public record UplinkRequest
{
    /// <summary>The relay's number for a call, echoed by its <see cref="UplinkReply"/> (absent on watch and unwatch).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Id { get; init; }
}

/// <summary>A player's game call, carried for the player's session; every one is idempotent, so a relay resends it freely.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Player">The session's player.</param>
public abstract record UplinkCall(string? GameId, string? Player) : UplinkRequest;

/// <summary>Records the player's session on the relay and watches the game; answered with the whole game.</summary>
/// <inheritdoc cref="UplinkCall"/>
public sealed record SessionCall(string? GameId, string? Player) : UplinkCall(GameId, Player);

/// <summary>Plays a move; answered with the <see cref="MoveAccepted"/>.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Player">The session's player.</param>
/// <param name="MoveNumber">The number the move will have.</param>
/// <param name="Move">A GTP vertex, <c>pass</c> or <c>resign</c>.</param>
public sealed record MoveCall(string? GameId, string? Player, int? MoveNumber, string? Move) : UplinkCall(GameId, Player);

/// <summary>Claims a result; answered with the whole game.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Player">The session's player.</param>
/// <param name="Result">SGF RE text.</param>
public sealed record ResultCall(string? GameId, string? Player, string? Result) : UplinkCall(GameId, Player);

/// <summary>Asks for the whole game.</summary>
/// <inheritdoc cref="UplinkCall"/>
public sealed record GetCall(string? GameId, string? Player) : UplinkCall(GameId, Player);

/// <summary>Asks for the game's events on this uplink.</summary>
/// <param name="GameId">The game.</param>
public sealed record WatchRequest(string? GameId) : UplinkRequest;

/// <summary>Stops the game's events on this uplink.</summary>
/// <param name="GameId">The game.</param>
public sealed record UnwatchRequest(string? GameId) : UplinkRequest;

/// <summary>A message from the gateway to a relay; a bare <see cref="GatewayMessage"/> is one of an unknown op.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(UplinkReply), "reply")]
[JsonDerivedType(typeof(UplinkEvent), "event")]
public record GatewayMessage;

/// <summary>The answer to an uplink message.</summary>
/// <param name="Id">The call's <see cref="UplinkRequest.Id"/> (null for a message without one).</param>
/// <param name="Status">200, or a problem's status.</param>
/// <param name="Body">
/// The result (a <see cref="GameView"/>, a <see cref="MoveAccepted"/>, or nothing), or the <see cref="ProblemBody"/>:
/// written as that value's own JSON, read back as a <see cref="JsonElement"/> until <see cref="Read{T}"/> types it
/// (the caller knows what it asked for).
/// </param>
public sealed record UplinkReply(long? Id, int Status, object? Body) : GatewayMessage
{
    private static readonly ProblemBody NoProblem = new(null, null);

    /// <summary>A 200 answer with <paramref name="body"/> (null for none).</summary>
    public static UplinkReply Ok(long? id, object? body) => new(id, 200, body);

    /// <summary>A refusal.</summary>
    public static UplinkReply Refused(long? id, int status, string code, string detail) => new(id, status, new ProblemBody(code, detail));

    /// <summary>The body as <typeparamref name="T"/> (default when there is none).</summary>
    public T? Read<T>() => Body switch
    {
        T value => value,
        JsonElement { ValueKind: not JsonValueKind.Null } json => json.Deserialize<T>(ApiJson.Options),
        _ => default,
    };

    /// <summary>The problem of a refusal (code and detail null when the body is not one).</summary>
    public ProblemBody ReadProblem() => Body is ProblemBody or JsonElement { ValueKind: JsonValueKind.Object } ? Read<ProblemBody>() ?? NoProblem : NoProblem;
}

/// <summary>A refusal's body on the uplink: the problem code and detail of the HTTP routes.</summary>
/// <param name="Code">The stable problem code.</param>
/// <param name="Detail">A human explanation.</param>
public sealed record ProblemBody(string? Code, string? Detail);

/// <summary>An event of a game the relay watches.</summary>
/// <param name="Event">The event.</param>
public sealed record UplinkEvent(GameEvent Event) : GatewayMessage;
