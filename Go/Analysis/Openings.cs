using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Analysis;

/// <summary>A named opening: Black stones that must all appear among Black's moves in the first 20 moves.</summary>
/// <param name="Id">Its id in feature vectors (stable: never renumber).</param>
/// <param name="Name">Its name.</param>
/// <param name="BlackPoints">The Black stones, as SGF points on 19×19, in one of the eight orientations.</param>
public sealed record Opening(byte Id, string Name, string[] BlackPoints);

/// <summary>
/// The opening table. An opening matches when every one of its Black points is among Black's moves in the first 20
/// moves under one of the board's eight symmetries; the first match in table order wins (specific before general),
/// and 255 means none matched. The 19×19 entries are the classical fuseki:
/// <list type="table">
/// <item><term>0 Sanrensei</term><description>three star points along one side: pd pj pp</description></item>
/// <item><term>1 Chinese (high)</term><description>star point, 3-4 point and a fourth-line side stone: pd, qp, pk</description></item>
/// <item><term>2 Chinese (low)</term><description>pd, qp, qj</description></item>
/// <item><term>3 Mini-Chinese</term><description>star point, 3-4 point and a low approach-side stone: pd, qp, np</description></item>
/// <item><term>4 Kobayashi</term><description>3-4 point, opposite star point, low side stone: qd, dp, oq</description></item>
/// <item><term>5 Shusaku</term><description>three 3-4 points: qd, dc, cp</description></item>
/// <item><term>6 Nirensei</term><description>two star points on one side: pd pp</description></item>
/// <item><term>7 Diagonal star points</term><description>pd dp</description></item>
/// <item><term>8 Star and 3-4 (parallel)</term><description>pd qp</description></item>
/// <item><term>9 Two 3-4 points (parallel)</term><description>qd qp</description></item>
/// <item><term>10 San-san</term><description>a 3-3 point: qc</description></item>
/// <item><term>11 Takamoku</term><description>a 4-5 point: pe</description></item>
/// <item><term>12 Mokuhazushi</term><description>a 3-5 point: qe</description></item>
/// <item><term>13 Tengen</term><description>the centre as Black's first move, on any odd board</description></item>
/// </list>
/// Boards other than 19×19 only get Tengen or 255.
/// </summary>
public static class Openings
{
    /// <summary>The id for "no named opening".</summary>
    public const byte Unknown = 255;

    /// <summary>The table, in matching order.</summary>
    public static IReadOnlyList<Opening> Table { get; } =
    [
        new(0, "Sanrensei", ["pd", "pj", "pp"]),
        new(1, "Chinese (high)", ["pd", "qp", "pk"]),
        new(2, "Chinese (low)", ["pd", "qp", "qj"]),
        new(3, "Mini-Chinese", ["pd", "qp", "np"]),
        new(4, "Kobayashi", ["qd", "dp", "oq"]),
        new(5, "Shusaku", ["qd", "dc", "cp"]),
        new(6, "Nirensei", ["pd", "pp"]),
        new(7, "Diagonal star points", ["pd", "dp"]),
        new(8, "Star and 3-4 point", ["pd", "qp"]),
        new(9, "Two 3-4 points", ["qd", "qp"]),
        new(10, "San-san", ["qc"]),
        new(11, "Takamoku", ["pe"]),
        new(12, "Mokuhazushi", ["qe"]),
        new(13, "Tengen", []),
    ];

    /// <summary>The name of an id.</summary>
    public static string NameOf(byte id) => id == Unknown ? "unknown" : Table[id].Name;

    /// <summary>The opening of a game from its moves (only the first 20 are read).</summary>
    public static byte Classify(int size, IReadOnlyList<Move> moves)
    {
        ArgumentNullException.ThrowIfNull(moves);
        var black = new HashSet<Point>();
        Point? first = null;
        for (var i = 0; i < Math.Min(20, moves.Count); i++)
        {
            if (moves[i].Player == Color.Black && !moves[i].IsPass)
            {
                first ??= moves[i].Point;
                black.Add(moves[i].Point);
            }
        }
        if (size == 19)
        {
            foreach (var opening in Table)
            {
                if (opening.BlackPoints.Length > 0 && Matches(opening, black))
                {
                    return opening.Id;
                }
            }
        }
        return size % 2 == 1 && first == new Point(size / 2, size / 2) ? (byte)13 : Unknown;
    }

    private static bool Matches(Opening opening, HashSet<Point> black)
    {
        for (var symmetry = 0; symmetry < 8; symmetry++)
        {
            if (opening.BlackPoints.All(p => black.Contains(Transform(new Point(p[0] - 'a', p[1] - 'a'), symmetry, 19))))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One of the eight symmetries of a square board.</summary>
    public static Point Transform(Point p, int symmetry, int size)
    {
        int x = p.X, y = p.Y, m = size - 1;
        if ((symmetry & 1) != 0) { x = m - x; }
        if ((symmetry & 2) != 0) { y = m - y; }
        if ((symmetry & 4) != 0) { (x, y) = (y, x); }
        return new Point(x, y);
    }
}
