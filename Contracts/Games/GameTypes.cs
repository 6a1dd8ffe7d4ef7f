using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Contracts.Games;

/// <summary>What a game is created with.</summary>
/// <param name="Black">Black's player id.</param>
/// <param name="White">White's player id.</param>
/// <param name="Size">Board size (2..25).</param>
/// <param name="Komi">Komi; null takes the rule set's default (0.5 with handicap).</param>
/// <param name="Handicap">Fixed handicap stones (0, or 2 up to the board's maximum).</param>
/// <param name="Rules">Rule set name: chinese, japanese or tromp-taylor.</param>
/// <param name="Rated">Whether the result changes the players' ratings.</param>
/// <param name="Type">What kind of game the players asked for: it steers routing and the reward base.</param>
public sealed record GameSpec(string Black, string White, int Size, double? Komi, int Handicap, string Rules, bool Rated, GameClass Type = GameClass.Standard);

/// <summary>Where a game stands.</summary>
public enum GameState
{
    /// <summary>Moves are being played.</summary>
    Playing,
    /// <summary>Play ended (two passes or a resignation); waiting for both players' results.</summary>
    Counting,
    /// <summary>Both players submitted the same result: consensus, the game may become training data.</summary>
    Agreed,
    /// <summary>The players submitted different results: recorded, never trained on.</summary>
    Disputed,
}

/// <summary>An accepted move.</summary>
/// <param name="Number">Its number, from 1.</param>
/// <param name="Color">B or W.</param>
/// <param name="Move">The GTP vertex, <c>pass</c> or <c>resign</c>.</param>
/// <param name="At">When the cluster accepted it.</param>
public sealed record PlayedMove(int Number, string Color, string Move, DateTimeOffset At);

/// <summary>The relay a player's session is on.</summary>
/// <param name="RelayId">The relay.</param>
/// <param name="Epoch">Counts assignments of this player in this game from 1; a failover increments it.</param>
/// <param name="Reason"><c>connected</c>, or <c>failover</c> when the cluster moved the session off a dead relay.</param>
/// <param name="At">When.</param>
public sealed record RelayAssignment(string RelayId, int Epoch, string Reason, DateTimeOffset At);

/// <summary>A player's claimed result.</summary>
/// <param name="Player">Who claimed.</param>
/// <param name="Result">The result as SGF RE text (<c>B+3.5</c>, <c>W+R</c>, <c>0</c>).</param>
public sealed record ResultClaim(string Player, string Result);

/// <summary>Everything about a game.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Spec">How it was created.</param>
/// <param name="State">Where it stands.</param>
/// <param name="ToMove">B or W while playing.</param>
/// <param name="Moves">Accepted moves in order.</param>
/// <param name="EndedBy"><c>passes</c> or <c>resignation</c> once play ended.</param>
/// <param name="Claims">Results the players submitted.</param>
/// <param name="Result">The agreed result (consensus), or the resignation result while counting.</param>
/// <param name="Consensus">Whether both players agreed.</param>
/// <param name="Rated">Whether ratings were updated from this game.</param>
/// <param name="BlackRelay">Black's relay session.</param>
/// <param name="WhiteRelay">White's relay session.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="EndedAt">When play ended.</param>
public sealed record GameView(
    string GameId, GameSpec Spec, GameState State, string ToMove, IReadOnlyList<PlayedMove> Moves, string? EndedBy,
    IReadOnlyList<ResultClaim> Claims, string? Result, bool Consensus, bool Rated, RelayAssignment? BlackRelay,
    RelayAssignment? WhiteRelay, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt);

/// <summary>A move as a player submits it.</summary>
/// <param name="Player">The submitting player's id (must be the player to move).</param>
/// <param name="MoveNumber">The number this move will have (one more than the moves accepted).</param>
/// <param name="Move">A GTP vertex, <c>pass</c> or <c>resign</c>.</param>
public sealed record MoveSubmission(string Player, int MoveNumber, string Move);

/// <summary>The answer to an accepted move.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Move">The move as recorded.</param>
/// <param name="State">The game's state after it.</param>
/// <param name="Result">The result when the move ended the game by resignation.</param>
/// <param name="Repeated">True when this was a retry of the last accepted move (nothing changed).</param>
public sealed record MoveAccepted(string GameId, PlayedMove Move, GameState State, string? Result, bool Repeated);
