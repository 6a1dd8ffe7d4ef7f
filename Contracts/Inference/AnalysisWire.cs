namespace OrleansGoRelay.Contracts.Inference;

/// <summary>A game to review: its SGF (one game, the main line), and the version to review it with.</summary>
/// <param name="Sgf">The game record.</param>
/// <param name="ModelVersion">A registry version (default: the promoted one).</param>
public sealed record GameReviewRequest(string Sgf, string? ModelVersion = null);

/// <summary>A move the review singles out: the evaluation swung against the player who made it.</summary>
/// <param name="MoveNumber">The move, from 1.</param>
/// <param name="Color">B or W: who played it.</param>
/// <param name="Played">What was played (GTP vertex or pass).</param>
/// <param name="Swing">How far the mover's win probability fell with it, in points of 100.</param>
/// <param name="Kind">blunder, mistake or inaccuracy, with "tactical" when a capture follows within two moves.</param>
/// <param name="Phase">opening, middle game or endgame.</param>
/// <param name="ModelMove">What the model would have played there.</param>
/// <param name="ModelMoveProbability">The model's probability of its move.</param>
/// <param name="PlayedProbability">The model's probability of the move played.</param>
public sealed record ReviewedMove(int MoveNumber, string Color, string Played, double Swing, string Kind, string Phase, string ModelMove, double ModelMoveProbability, double PlayedProbability);

/// <summary>A game's review by the analyser (value swings) and the model (its move at each critical point).</summary>
/// <param name="Moves">Moves reviewed (the main line, up to its first illegal move).</param>
/// <param name="Result">The recorded result, if any.</param>
/// <param name="Class">teaching, dogfight or standard, as the analyser classifies it.</param>
/// <param name="TurningPoint">The largest swing, or null in a game without one.</param>
/// <param name="Mistakes">The largest swings (at most five), largest first.</param>
/// <param name="BlackWinProbability">Black's win probability by the value head after each move.</param>
/// <param name="Agreement">How often the player's move was the model's first choice, by colour (B, W), 0..1.</param>
/// <param name="ModelVersion">The version that reviewed it.</param>
/// <param name="Charged">Base units drawn for the call.</param>
public sealed record GameReview(
    int Moves, string? Result, string Class, ReviewedMove? TurningPoint, IReadOnlyList<ReviewedMove> Mistakes, IReadOnlyList<double> BlackWinProbability,
    IReadOnlyDictionary<string, double> Agreement, string ModelVersion, long Charged);

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
