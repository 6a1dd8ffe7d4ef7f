using System.Text.Json.Serialization;
using OrleansGoRelay.Contracts.Games;

namespace OrleansGoRelay.Contracts.Wire;

// The player protocol: one JSON object per text message on ws://relay/play?gameId=..&player=.., told apart by "type".
// Player → relay: {type:"move", moveNumber, move}, {type:"result", result}, {type:"sync"}.
// Relay → player: {type:"welcome", game}, {type:"ack", move}, {type:"game", game}, {type:"event", event},
// {type:"error", status, code, detail}.
// Each base type is concrete: a message of a type this side does not know reads as the base type, so a newer peer's
// messages are ignored (or refused) rather than breaking the session.

/// <summary>A message from a player to its relay; a bare <see cref="PlayerMessage"/> is one of an unknown type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(MoveMessage), "move")]
[JsonDerivedType(typeof(ResultMessage), "result")]
[JsonDerivedType(typeof(SyncMessage), "sync")]
public record PlayerMessage;

/// <summary>Plays a move; answered with <see cref="AckMessage"/> or <see cref="ErrorMessage"/>.</summary>
/// <param name="MoveNumber">The number the move will have (moves are idempotent by number).</param>
/// <param name="Move">A GTP vertex, <c>pass</c> or <c>resign</c>.</param>
public sealed record MoveMessage(int? MoveNumber, string? Move) : PlayerMessage;

/// <summary>Claims the result once play ended; answered with the whole game (<see cref="GameMessage"/>).</summary>
/// <param name="Result">SGF RE text (<c>B+3.5</c>, <c>W+R</c>, <c>0</c>).</param>
public sealed record ResultMessage(string? Result) : PlayerMessage;

/// <summary>Asks for the whole game (<see cref="GameMessage"/>), after any doubt.</summary>
public sealed record SyncMessage : PlayerMessage;

/// <summary>A message from a relay to a player; a bare <see cref="RelayMessage"/> is one of an unknown type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(WelcomeMessage), "welcome")]
[JsonDerivedType(typeof(AckMessage), "ack")]
[JsonDerivedType(typeof(GameMessage), "game")]
[JsonDerivedType(typeof(EventMessage), "event")]
[JsonDerivedType(typeof(ErrorMessage), "error")]
public record RelayMessage;

/// <summary>The session is recorded with the game: here is the whole game, to resume from.</summary>
/// <param name="Game">The game.</param>
public sealed record WelcomeMessage(GameView? Game) : RelayMessage;

/// <summary>The cluster accepted the player's move.</summary>
/// <param name="Move">The acceptance.</param>
public sealed record AckMessage(MoveAccepted? Move) : RelayMessage;

/// <summary>The whole game (the answer to a sync or a result).</summary>
/// <param name="Game">The game.</param>
public sealed record GameMessage(GameView? Game) : RelayMessage;

/// <summary>Something happened in the game: the opponent's move, a result, a relay reassignment.</summary>
/// <param name="Event">The event.</param>
public sealed record EventMessage(GameEvent Event) : RelayMessage;

/// <summary>A refusal, with the status and the problem code the gateway's HTTP routes would answer.</summary>
/// <param name="Status">The HTTP status of the refusal (400, 409, 422, 503, ...).</param>
/// <param name="Code">The stable problem code.</param>
/// <param name="Detail">A human explanation.</param>
public sealed record ErrorMessage(int Status, string? Code, string? Detail) : RelayMessage;
