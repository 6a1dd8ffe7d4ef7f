using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Engines;

/// <summary>How a game between two GTP engines ended.</summary>
/// <param name="Moves">Moves played (passes included).</param>
/// <param name="Resigned">The side that resigned, if one did.</param>
/// <param name="Score">The scorer's <c>final_score</c> (for example <c>B+3.5</c>) when the game ended by two passes.</param>
/// <param name="Winner">Who won, when decided.</param>
/// <param name="Record">The moves in order.</param>
public sealed record GtpGameResult(int Moves, Color? Resigned, string? Score, Color? Winner, IReadOnlyList<Move> Record);

/// <summary>
/// Plays one game between two GTP engines with a referee board: each move the mover generates is checked legal and
/// sent to the other engine; the game ends at two passes (scored by the scorer engine's <c>final_score</c>),
/// a resignation, or the move limit. An illegal move is an <see cref="GtpException"/>.
/// </summary>
public static class GtpMatch
{
    /// <summary>Sets both engines up and plays the game.</summary>
    public static GtpGameResult Play(GtpEngine black, GtpEngine white, int size, double komi, GtpEngine scorer, int maxMoves = 1000)
    {
        ArgumentNullException.ThrowIfNull(black);
        ArgumentNullException.ThrowIfNull(white);
        ArgumentNullException.ThrowIfNull(scorer);
        var komiText = komi.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var engine in new[] { black, white }.Distinct())
        {
            engine.Send($"boardsize {size}");
            engine.Send("clear_board");
            engine.Send($"komi {komiText}");
        }
        var referee = new Board(size);
        var record = new List<Move>();
        var passes = 0;
        var toMove = Color.Black;
        while (record.Count < maxMoves)
        {
            var (mover, other) = toMove == Color.Black ? (black, white) : (white, black);
            var name = toMove == Color.Black ? "black" : "white";
            var vertex = mover.Send($"genmove {name}");
            if (vertex.Equals("resign", StringComparison.OrdinalIgnoreCase))
            {
                var winner = toMove == Color.Black ? Color.White : Color.Black;
                return new GtpGameResult(record.Count, toMove, null, winner, record);
            }
            var move = new Move(toMove, Point.FromGtp(vertex, size));
            if (move.IsPass)
            {
                referee.Pass();
                passes++;
            }
            else if (referee.Play(move) is var legality && legality != MoveLegality.Legal)
            {
                throw new GtpException($"genmove {name}", $"move {record.Count + 1}, {vertex}, is illegal ({legality})");
            }
            else
            {
                passes = 0;
            }
            record.Add(move);
            if (other != mover)
            {
                other.Send($"play {name} {vertex}");
            }
            if (passes == 2)
            {
                var score = scorer.Send("final_score");
                Color? winner = score.StartsWith('B') ? Color.Black : score.StartsWith('W') ? Color.White : null;
                return new GtpGameResult(record.Count, null, score, winner, record);
            }
            toMove = toMove == Color.Black ? Color.White : Color.Black;
        }
        return new GtpGameResult(record.Count, null, null, null, record);
    }

    /// <summary>The Wilson score interval at 95 % for <paramref name="wins"/> of <paramref name="games"/>.</summary>
    public static (double Low, double High) WinRateInterval(int wins, int games)
    {
        if (games == 0)
        {
            return (0, 1);
        }
        const double z = 1.959964;
        var p = (double)wins / games;
        var denominator = 1 + z * z / games;
        var centre = (p + z * z / (2 * games)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / games + z * z / (4.0 * games * games)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
