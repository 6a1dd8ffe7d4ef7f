using OrleansGoRelay.Go.Ratings;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Analysis;

/// <summary>The value class of a game for training (thresholds: <see cref="ClassificationThresholds"/>).</summary>
public enum GameClass
{
    /// <summary>Neither teaching nor dogfight.</summary>
    Standard,
    /// <summary>A strong player against a much weaker one, played calmly: a large rating differential and a low swing variance.</summary>
    Teaching,
    /// <summary>Evenly matched and wild: a small rating differential and a high swing variance.</summary>
    Dogfight,
}

/// <summary>A move where the evaluation swung against its player.</summary>
/// <param name="MoveNumber">The move, from 1.</param>
/// <param name="Move">What was played.</param>
/// <param name="Swing">How many points the evaluation moved against the player.</param>
/// <param name="MistakeType">blunder (≥ 15 points), mistake (≥ 7) or inaccuracy (≥ 3), with "tactical" when a capture follows within two moves.</param>
/// <param name="Phase">opening, middle game or endgame.</param>
public sealed record TurningPoint(int MoveNumber, Move Move, double Swing, string MistakeType, string Phase);

/// <summary>What a player can learn from the game.</summary>
/// <param name="Opening">The opening and the evaluation when it ended.</param>
/// <param name="MiddleGameConcept">The theme the middle game turned on (ko fight, capturing race, ladder, or territory against influence).</param>
/// <param name="EndgamePointsSaved">How many points the better endgame player gained over the other in the endgame, by the evaluation.</param>
/// <param name="TacticalSequence">The longest run of consecutive captures and ataris, as "moves a–b", or null.</param>
public sealed record Lessons(string Opening, string MiddleGameConcept, double EndgamePointsSaved, string? TacticalSequence);

/// <summary>Everything the analysis says about one game.</summary>
/// <param name="Class">Teaching, dogfight or standard.</param>
/// <param name="RatingDifferential">|Black's rating − White's rating| from their ranks (OGS scale), null when a rank is missing.</param>
/// <param name="SwingVariance">The variance of the evaluation swings, in the evaluator's units (10 points, or the value).</param>
/// <param name="Features">The game's features.</param>
/// <param name="TurningPoints">The largest swings (at most five, of at least 3 points), by size.</param>
/// <param name="Lessons">The lessons.</param>
/// <param name="LeadChanges">How often the smoothed evaluation went from one side leading (beyond the evaluator's lead band) to the other.</param>
public sealed record GameAnalysis(
    GameClass Class, double? RatingDifferential, double SwingVariance, GameFeatures Features,
    IReadOnlyList<TurningPoint> TurningPoints, Lessons Lessons, int LeadChanges = 0);

/// <summary>
/// Analyses a game: features, classification and review from one replay and one evaluation series.
/// <para>Classification: the rating differential comes from the players' ranks (OGS rank → rating). The swing
/// series is s_i = m_i − m_{i−1} where m_i = (e_i + e_{i−1}) / 2 smooths the evaluator's series e_i over two moves
/// (cancelling the tempo each move gains); e_i is Black's value (−1..1) where the evaluator estimates one, else
/// Black's margin / 10, so one unit is a 10-point swing. Its variance is the population variance. Teaching:
/// differential and variance against the evaluator's <see cref="IGameEvaluator.Thresholds"/> (the design's: &gt; 200
/// and &lt; 0.2); dogfight likewise (&lt; 50 and &gt; 0.8). Otherwise, or without both ranks, Standard.</para>
/// <para>Phases: the opening ends at the first move m ≥ 10 where the ten moves up to m hold four contact moves
/// (next to an enemy stone) or a capture, or at move 60·(points/361) at the latest; the endgame starts at the first
/// later move where the evaluator leaves less than 15% of the points undecided.</para>
/// </summary>
public sealed class GameAnalyzer(IGameEvaluator evaluator)
{
    /// <summary>Analyses a record (up to its first illegal move).</summary>
    public GameAnalysis Analyze(GameRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var evaluations = evaluator.EvaluateGame(record);
        var (trace, finalBoard) = Trace(record);
        var moves = trace.Count;
        var size = record.Size;
        var points = size * size;

        // Phases.
        var openingCap = Math.Max(10, (int)Math.Round(60.0 * points / 361));
        var openingEnd = Math.Min(moves, openingCap);
        for (var m = 10; m <= Math.Min(moves, openingCap); m++)
        {
            var window = trace.Skip(m - 10).Take(10);
            if (window.Count(t => t.Contact) >= 4 || window.Any(t => t.Captured > 0))
            {
                openingEnd = m;
                break;
            }
        }
        var endgameStart = moves;
        for (var m = openingEnd + 1; m < evaluations.Count && m <= moves; m++)
        {
            if (evaluations[m].UndecidedShare < 0.15)
            {
                endgameStart = m;
                break;
            }
        }
        var phases = new PhaseTransitions(openingEnd, Math.Max(openingEnd, endgameStart), moves);

        // Fighting.
        var captures = trace.Count(t => t.Captured > 0);
        var koCaptures = trace.Where(t => t.KoSite is not null).ToList();
        var koFights = koCaptures.GroupBy(t => t.KoSite).Count(g => g.Count() >= 2);
        var intensity = Math.Min(100, captures * 5 + koFights * 10);

        // Complexity.
        var tactical = trace.Count(t => t.Captured > 0 || t.Atari);
        var legalShare = trace.Count == 0 ? 0 : trace.Where(t => t.LegalMoves >= 0).Select(t => t.LegalMoves / (double)points).DefaultIfEmpty(0).Average();
        var tacticalRate = moves == 0 ? 0 : Math.Min(1, tactical / (double)moves * 5);
        var complexity = (int)Math.Round(100 * (0.5 * legalShare + 0.5 * tacticalRate));

        // Final position.
        var final = evaluations[^1];
        var balance = (int)Math.Round(final.Ownership.Sum(o => Math.Abs(o) >= 0.5 ? Math.Sign(o) : 0) * 100.0 / points);
        var heatmap = new int[points];
        foreach (var t in trace.Where(t => !t.Move.IsPass))
        {
            heatmap[t.Move.Point.Y * size + t.Move.Point.X]++;
        }
        var openingId = Openings.Classify(size, record.Moves);
        var shapes = FinalShapes(finalBoard, trace, koCaptures.Count);
        var features = new GameFeatures(openingId, Openings.NameOf(openingId), intensity, captures, koFights,
            Math.Clamp(balance, -100, 100), phases, Math.Clamp(complexity, 0, 100), heatmap, shapes);

        // Classification.
        // Every move gains its player a few points of tempo, so raw evaluations zig-zag; the mean of two consecutive
        // evaluations cancels that, and the swings of this smoothed series are what changed in the game.
        var thresholds = evaluator.Thresholds;
        double Series(int i) => evaluations[i].BlackValue ?? evaluations[i].BlackMargin / 10;
        var swings = new List<double>();
        var leader = 0;
        var leadChanges = 0;
        for (var i = 2; i < evaluations.Count; i++)
        {
            var now = (Series(i) + Series(i - 1)) / 2;
            var before = (Series(i - 1) + Series(i - 2)) / 2;
            swings.Add(now - before);
            var side = now >= thresholds.LeadBand ? 1 : now <= -thresholds.LeadBand ? -1 : 0;
            if (side != 0 && side != leader)
            {
                leadChanges += leader != 0 ? 1 : 0;
                leader = side;
            }
        }
        var mean = swings.Count == 0 ? 0 : swings.Average();
        var variance = swings.Count == 0 ? 0 : swings.Sum(s => (s - mean) * (s - mean)) / swings.Count;
        double? differential = record.BlackRank is { } b && record.WhiteRank is { } w
            ? Math.Abs(RatingScale.RatingOf(b) - RatingScale.RatingOf(w))
            : null;
        var gameClass = thresholds.Classify(differential, variance);

        // Review.
        string PhaseOf(int m) => m <= phases.OpeningToMiddle ? "opening" : m < phases.MiddleToEnd ? "middle game" : "endgame";
        var losses = new double[moves + 1];
        for (var m = 1; m <= moves && m < evaluations.Count; m++)
        {
            var delta = evaluations[m].BlackMargin - evaluations[m - 1].BlackMargin;
            losses[m] = trace[m - 1].Move.Player == Color.Black ? -delta : delta;
        }
        var turningPoints = Enumerable.Range(1, moves)
            .Where(m => losses[m] >= 3)
            .OrderByDescending(m => losses[m])
            .Take(5)
            .Select(m =>
            {
                var kind = losses[m] >= 15 ? "blunder" : losses[m] >= 7 ? "mistake" : "inaccuracy";
                var tacticalFollow = trace.Skip(m).Take(2).Any(t => t.Captured > 0);
                return new TurningPoint(m, trace[m - 1].Move, Math.Round(losses[m], 1), tacticalFollow ? $"tactical {kind}" : kind, PhaseOf(m));
            })
            .ToList();

        var endgameLoss = new double[3];
        for (var m = phases.MiddleToEnd + 1; m <= moves; m++)
        {
            endgameLoss[(int)trace[m - 1].Move.Player] += Math.Max(0, losses[m]);
        }
        var saved = Math.Round(Math.Abs(endgameLoss[1] - endgameLoss[2]), 1);
        var afterOpening = evaluations[Math.Min(phases.OpeningToMiddle, evaluations.Count - 1)].BlackMargin;
        var openingLesson = $"{features.Opening}; after move {phases.OpeningToMiddle} {(afterOpening >= 0 ? "Black" : "White")} leads by {Math.Abs(afterOpening):0.#}";
        var biggestCapture = trace.Count == 0 ? 0 : trace.Max(t => t.Captured);
        var concept = koFights > 0 ? "ko fight"
            : biggestCapture >= 5 ? "capturing race: a group of " + biggestCapture + " stones was captured"
            : shapes.Ladders > 0 ? "ladder"
            : "territory against influence";
        var lessons = new Lessons(openingLesson, concept, saved, LongestTacticalRun(trace));
        return new GameAnalysis(gameClass, differential, variance, features, turningPoints, lessons, leadChanges);
    }

    /// <summary>What one move did: stones captured, an enemy chain put in atari, contact with an enemy stone, the ko it made, legal replies (every fifth move, else −1), its own liberties.</summary>
    internal sealed record MoveTrace(Move Move, int Captured, bool Atari, bool Contact, (int, int)? KoSite, int LegalMoves, int ChaseLiberties);

    /// <summary>One replay collecting, per move, what the features (and the style profile) need, and the final position.</summary>
    internal static (List<MoveTrace> Trace, Board Final) Trace(GameRecord record)
    {
        var trace = new List<MoveTrace>(record.Moves.Length);
        var previousCaptures = 0;
        var replay = new GameReplayer();
        replay.Replay(record, null, (after, number) =>
        {
            var move = record.Moves[number - 1];
            var capturesNow = after.CapturesBy(Color.Black) + after.CapturesBy(Color.White);
            var captured = capturesNow - previousCaptures;
            previousCaptures = capturesNow;
            bool atari = false, contact = false;
            (int, int)? koSite = null;
            var chase = -1;
            if (!move.IsPass)
            {
                var index = after.IndexOf(move.Point);
                var enemy = move.Player.Opponent().ToStone();
                foreach (var n in after.Neighbours(index))
                {
                    if (after[n] == enemy)
                    {
                        contact = true;
                        if (after.InAtari(n))
                        {
                            atari = true;
                        }
                    }
                }
                if (after.KoPoint >= 0)
                {
                    koSite = (Math.Min(index, after.KoPoint), Math.Max(index, after.KoPoint));
                }
                if (after[index] != Stone.Empty)
                {
                    chase = after.LibertiesOf(index);
                }
            }
            // Legal-move counts on every fifth position keep complexity cheap.
            var legal = -1;
            if (number % 5 == 0)
            {
                legal = 0;
                var toMove = move.Player.Opponent();
                foreach (var i in after.Indices())
                {
                    if (after[i] == Stone.Empty && after.Check(toMove, i) == MoveLegality.Legal)
                    {
                        legal++;
                    }
                }
            }
            trace.Add(new MoveTrace(move, captured, atari, contact, koSite, legal, chase));
        });
        return (trace, replay.LastBoard(record));
    }

    private static Shapes FinalShapes(Board board, List<MoveTrace> trace, int koCaptures)
    {
        int eyes = 0, falseEyes = 0, seki = 0;
        foreach (var i in board.Indices())
        {
            if (board[i] != Stone.Empty)
            {
                continue;
            }
            foreach (var colour in (ReadOnlySpan<Color>)[Color.Black, Color.White])
            {
                if (SurroundedBy(board, i, colour.ToStone()))
                {
                    if (board.IsEyeLike(colour, i)) { eyes++; } else { falseEyes++; }
                }
            }
        }
        Span<int> a = stackalloc int[3];
        Span<int> b = stackalloc int[3];
        var seen = new HashSet<(int, int)>();
        foreach (var i in board.Indices())
        {
            if (board[i] is not (Stone.Black or Stone.White) || board.LibertiesOf(i, a, 3) != 2)
            {
                continue;
            }
            foreach (var lib in a[..2])
            {
                foreach (var n in board.Neighbours(lib))
                {
                    if (board[n] is Stone.Black or Stone.White && board[n] != board[i] && board.LibertiesOf(n, b, 3) == 2
                        && ((a[0] == b[0] && a[1] == b[1]) || (a[0] == b[1] && a[1] == b[0]))
                        && seen.Add((Math.Min(board.ChainOf(i), board.ChainOf(n)), Math.Max(board.ChainOf(i), board.ChainOf(n)))))
                    {
                        seki++;
                    }
                }
            }
        }
        return new Shapes(eyes, falseEyes, CountLadders(trace), koCaptures, seki);
    }

    private static bool SurroundedBy(Board board, int index, Stone stone)
    {
        foreach (var n in board.Neighbours(index))
        {
            if (board[n] != stone && board[n] != Stone.Border)
            {
                return false;
            }
        }
        return true;
    }

    // A ladder: three or more times in a row, a move ataris and the answer escapes to exactly two liberties.
    private static int CountLadders(List<MoveTrace> trace)
    {
        var ladders = 0;
        var run = 0;
        for (var i = 0; i + 1 < trace.Count; i += 1)
        {
            if (trace[i].Atari && trace[i].Captured == 0 && trace[i + 1].ChaseLiberties == 2 && !trace[i + 1].Move.IsPass && trace[i + 1].Contact)
            {
                run++;
                i++;
                continue;
            }
            if (run >= 3)
            {
                ladders++;
            }
            run = 0;
        }
        return run >= 3 ? ladders + 1 : ladders;
    }

    private static string? LongestTacticalRun(List<MoveTrace> trace)
    {
        int bestStart = 0, bestLength = 0, start = 0, length = 0;
        for (var i = 0; i < trace.Count; i++)
        {
            if (trace[i].Captured > 0 || trace[i].Atari)
            {
                if (length == 0) { start = i; }
                length++;
                if (length > bestLength) { bestLength = length; bestStart = start; }
            }
            else
            {
                length = 0;
            }
        }
        return bestLength >= 2 ? $"moves {bestStart + 1}-{bestStart + bestLength}" : null;
    }
}
