namespace OrleansGoRelay.Go.Analysis;

/// <summary>The phase boundaries of a game, as move numbers.</summary>
/// <param name="OpeningToMiddle">The move that ends the opening.</param>
/// <param name="MiddleToEnd">The move that starts the endgame.</param>
/// <param name="End">The last move.</param>
public sealed record PhaseTransitions(int OpeningToMiddle, int MiddleToEnd, int End);

/// <summary>Shapes found cheaply: in the final position, and along the game for ko and ladders.</summary>
/// <param name="Eyes">Empty points whose four neighbours are one colour's stones (or edge) and whose diagonals that colour holds (eye-like).</param>
/// <param name="FalseEyes">Points surrounded like an eye whose diagonals the opponent holds (two, or one on the edge).</param>
/// <param name="Ladders">Chases of three or more ataris in a row on one chain that keeps escaping to two liberties.</param>
/// <param name="KoCaptures">Captures of a single stone that left a ko.</param>
/// <param name="SekiCandidates">Pairs of opposing chains that share both of their only two liberties, where filling either would be self-atari.</param>
public sealed record Shapes(int Eyes, int FalseEyes, int Ladders, int KoCaptures, int SekiCandidates);

/// <summary>
/// The features of one game that the training marketplace prices and filters on.
/// </summary>
/// <param name="OpeningId">The named opening (<see cref="Openings"/>), 255 when none.</param>
/// <param name="Opening">Its name.</param>
/// <param name="FightingIntensity">min(100, capturing moves × 5 + ko fights × 10).</param>
/// <param name="Captures">Moves that captured.</param>
/// <param name="KoFights">Kos retaken at least once (two or more ko captures at one ko).</param>
/// <param name="TerritoryBalance">-100..100: (Black's points − White's points) / board points × 100 in the final position, by the influence estimate.</param>
/// <param name="Phases">Where the opening and middle game end.</param>
/// <param name="Complexity">0..100: half from the mean share of legal moves, half from tactical activity (captures and ataris per move × 5, capped at 1).</param>
/// <param name="Heatmap">Moves played on each point, row-major.</param>
/// <param name="Shapes">Shapes found.</param>
public sealed record GameFeatures(
    byte OpeningId, string Opening, int FightingIntensity, int Captures, int KoFights, int TerritoryBalance,
    PhaseTransitions Phases, int Complexity, int[] Heatmap, Shapes Shapes);
