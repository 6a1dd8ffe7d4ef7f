using OrleansGoRelay.Contracts.Games;

namespace OrleansGoRelay.Grains.Games;

/// <summary>
/// One game's authoritative record: every move is validated by the rules engine and durable before it is
/// acknowledged; relays and clients hold nothing that this grain does not. Refusals throw
/// <see cref="RequestRefusedException"/> (unknown_game, move_out_of_order, not_your_turn, illegal_move, ...).
/// </summary>
[Alias("gorelay.IGameGrain")]
public interface IGameGrain : IGrainWithStringKey
{
    /// <summary>Creates the game; an identical repeat returns it again, a different spec under the same id is a conflict.</summary>
    Task<GameView> Create(GameSpec spec);

    /// <summary>The game, or null when it was never created. Read-only.</summary>
    Task<GameView?> GetGame();

    /// <summary>Plays a move (a vertex, pass or resign). Idempotent by move number: a repeat of the last accepted move answers as before.</summary>
    [RetryOnConflict]
    Task<MoveAccepted> Play(MoveSubmission move);

    /// <summary>A player submits the result once play ended; equal results from both players are consensus, and a rated game then updates both ratings.</summary>
    [RetryOnConflict]
    Task<GameView> SubmitResult(ResultClaim claim);

    /// <summary>Records that a player's session is now on a relay (the relay's node grain calls it after indexing the session).</summary>
    [RetryOnConflict]
    Task<RelayAssignment> AssignRelay(string player, string relayId);

    /// <summary>
    /// Moves every session of this game that is on <paramref name="deadRelayId"/> to the relay the failover picked,
    /// telling the players where to reconnect (<paramref name="newRelayAddress"/>); returns the players moved.
    /// </summary>
    [RetryOnConflict]
    Task<IReadOnlyList<string>> Failover(string deadRelayId, string newRelayId, string? newRelayAddress);

    /// <summary>The game as SGF (FF[4]).</summary>
    Task<string> ExportSgf();

    /// <summary>The game as training data sees it; refused unless the game ended with consensus.</summary>
    Task<ConsensusGame> GetConsensusGame();
}
