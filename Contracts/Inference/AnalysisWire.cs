using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Contracts.Inference;

/// <summary>A game to review: its SGF (one game, the main line), and the version to review it with.</summary>
/// <param name="Sgf">The game record.</param>
/// <param name="ModelVersion">A registry version (default: the promoted one).</param>
public sealed record GameReviewRequest(string Sgf, string? ModelVersion = null);

/// <summary>A move the review singles out: an evaluation swung against the player who made it.</summary>
/// <param name="MoveNumber">The move, from 1.</param>
/// <param name="Color">B or W: who played it.</param>
/// <param name="Played">What was played (GTP vertex or pass).</param>
/// <param name="Swing">In <see cref="GameReview.Mistakes"/>: how many points the analyser's estimate of the mover's margin fell with it;
/// in <see cref="GameReview.CriticalMoves"/>: how far the value head's win probability for the mover fell with it, in points of 100;
/// in <see cref="GameReview.PolicyBlunders"/>: the model's probability of its move minus that of the move played, in points of 100.</param>
/// <param name="Kind">blunder, mistake or inaccuracy (points: ≥ 15, ≥ 7, ≥ 3; win probability: ≥ 20, ≥ 10, ≥ 5, else swing), with "tactical" when a capture follows within two moves.</param>
/// <param name="Phase">opening, middle game or endgame.</param>
/// <param name="ModelMove">What the model would have played there.</param>
/// <param name="ModelMoveProbability">The model's probability of its move.</param>
/// <param name="PlayedProbability">The model's probability of the move played.</param>
public sealed record ReviewedMove(int MoveNumber, string Color, string Played, double Swing, string Kind, string Phase, string ModelMove, double ModelMoveProbability, double PlayedProbability);

/// <summary>
/// A game's review by the model and the analyser: where the model's value head saw the game swing (critical moves),
/// where the analyser's point estimate did (mistakes and the turning point), and at each the model's own move.
/// </summary>
/// <param name="Moves">Moves reviewed (the main line, up to its first illegal move).</param>
/// <param name="Result">The recorded result, if any.</param>
/// <param name="Class">teaching, dogfight or standard, as the analyser classifies it.</param>
/// <param name="TurningPoint">The largest of the mistakes, or null in a game without one.</param>
/// <param name="Mistakes">The analyser's largest swings (at most five, of 3 points or more), largest first: blunders, mistakes, inaccuracies.</param>
/// <param name="BlackWinProbability">Black's win probability by the value head after each move.</param>
/// <param name="Agreement">How often the player's move was the model's first choice, by colour (B, W), 0..1.</param>
/// <param name="ModelVersion">The version that reviewed it.</param>
/// <param name="Charged">Base units drawn for the call.</param>
/// <param name="CriticalMoves">The value head's largest falls in the mover's win probability (at most five), largest first.</param>
/// <param name="SwingEvaluator">What found the mistakes: influence (the default heuristic) or gnugo.</param>
/// <param name="PolicyBlunders">Moves the model's policy calls blunders (at most five, largest first): it was confident of its move (≥ 50 %) and gave the move played under 5 %; the swing is the gap, in points of 100.</param>
public sealed record GameReview(
    int Moves, string? Result, string Class, ReviewedMove? TurningPoint, IReadOnlyList<ReviewedMove> Mistakes, IReadOnlyList<double> BlackWinProbability,
    IReadOnlyDictionary<string, double> Agreement, string ModelVersion, long Charged, IReadOnlyList<ReviewedMove>? CriticalMoves = null, string SwingEvaluator = "influence",
    IReadOnlyList<ReviewedMove>? PolicyBlunders = null);

/// <summary>One line of a streamed review (<c>?stream=true</c>, NDJSON): progress while the model reads the game, then the review.</summary>
/// <param name="Type"><c>progress</c> or <c>review</c>.</param>
/// <param name="Reviewed">Positions the model has read.</param>
/// <param name="Total">Positions to read (the moves and the final position).</param>
/// <param name="Review">The review, on the last line only.</param>
public sealed record GameReviewUpdate(string Type, int Reviewed, int Total, GameReview? Review = null);

/// <summary>A position's territory estimate.</summary>
/// <param name="Size">Board size.</param>
/// <param name="Ownership">Rows from the top (row <c>Size</c>) down, one character a point: B or W for a point that side owns (stone or territory), b or w leaning that way, '.' undecided.</param>
/// <param name="BlackPoints">Points Black owns (area: stones and territory).</param>
/// <param name="WhitePoints">Points White owns.</param>
/// <param name="Undecided">Points neither side holds yet.</param>
/// <param name="BlackMargin">Black's estimated margin after komi (area count of the owned points).</param>
/// <param name="WinProbability">The value head's estimate that the side to move wins.</param>
/// <param name="Method">How ownership was estimated.</param>
/// <param name="ModelVersion">The version whose value head answered.</param>
/// <param name="Charged">Base units drawn for the call.</param>
public sealed record TerritoryEstimate(
    int Size, IReadOnlyList<string> Ownership, int BlackPoints, int WhitePoints, int Undecided, double BlackMargin, double WinProbability, string Method, string ModelVersion, long Charged);

/// <summary>One of a player's games for the style profile.</summary>
/// <param name="Sgf">The game record.</param>
/// <param name="MoveSeconds">Per move (index = move number − 1), the seconds its mover took (the time between accepted moves), null where unknown.</param>
public sealed record StyleGameInput(string Sgf, IReadOnlyList<double?>? MoveSeconds);

/// <summary>A player's games to profile.</summary>
/// <param name="PlayerId">The player (as the records' PB/PW name them).</param>
/// <param name="Games">Their games.</param>
/// <param name="ModelVersion">The version whose policy measures move quality (default: the promoted one).</param>
public sealed record PlayerStyleRequest(string PlayerId, IReadOnlyList<StyleGameInput> Games, string? ModelVersion = null);

/// <summary>A player's style profile (<c>GET /api/v1/players/{playerId}/style</c>).</summary>
/// <param name="PlayerId">The player.</param>
/// <param name="Games">Games profiled (the newest, up to the request's limit).</param>
/// <param name="GamesPlayed">Games the player has played through the cluster.</param>
/// <param name="Style">The profile: territorial, fighting, speed, consistency.</param>
/// <param name="Definitions">What every measure means.</param>
/// <param name="ModelVersion">The version whose policy measured move quality.</param>
public sealed record PlayerStyleAnswer(string PlayerId, int Games, int GamesPlayed, PlayerStyle Style, IReadOnlyDictionary<string, string> Definitions, string ModelVersion);
