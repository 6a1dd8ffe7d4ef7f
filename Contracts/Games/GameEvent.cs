namespace OrleansGoRelay.Contracts.Games;

/// <summary>
/// What happened in a game, pushed to relays and WebSocket subscribers (as <see cref="ApiJson"/> writes it, so an
/// event reads like the game it comes from). Best effort: the game grain is the truth.
/// </summary>
/// <param name="Type"><c>move</c>, <c>ended</c>, <c>result</c> or <c>relay</c>.</param>
/// <param name="GameId">The game.</param>
/// <param name="State">The game's state after the event.</param>
/// <param name="Move">The move, for <c>move</c>.</param>
/// <param name="Result">The result, when known.</param>
/// <param name="Player">The player an assignment concerns, for <c>relay</c>.</param>
/// <param name="Relay">The new assignment, for <c>relay</c>.</param>
/// <param name="Address">Where that player reconnects, for <c>relay</c>.</param>
public sealed record GameEvent(
    string Type, string GameId, GameState State, PlayedMove? Move = null, string? Result = null, string? Player = null,
    RelayAssignment? Relay = null, string? Address = null);
