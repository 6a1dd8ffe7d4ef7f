using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Scoring;

/// <summary>A counted position.</summary>
/// <param name="BlackTerritory">Empty points (and points under dead white stones) surrounded by Black only.</param>
/// <param name="WhiteTerritory">Empty points (and points under dead black stones) surrounded by White only.</param>
/// <param name="BlackStones">Black stones left alive.</param>
/// <param name="WhiteStones">White stones left alive.</param>
/// <param name="BlackPrisoners">Stones Black captured during play plus dead white stones.</param>
/// <param name="WhitePrisoners">Stones White captured during play plus dead black stones.</param>
/// <param name="Black">Black's total under the rule set.</param>
/// <param name="White">White's total under the rule set, komi included.</param>
/// <param name="Ownership">Per board point (row-major, top row first): +1 Black's, -1 White's, 0 neutral.</param>
public sealed record Score(
    int BlackTerritory, int WhiteTerritory, int BlackStones, int WhiteStones, int BlackPrisoners, int WhitePrisoners,
    double Black, double White, sbyte[] Ownership)
{
    /// <summary>Black's margin: positive when Black wins.</summary>
    public double Margin => Black - White;

    /// <summary>The result this count gives.</summary>
    public GameResult Result => GameResult.ByScore(Margin);
}

/// <summary>
/// Counts a finished position. Dead stones are taken off first; each remaining empty region belongs to the colour
/// that alone borders it (neutral when both or neither do).
/// Area (Chinese, Tromp-Taylor): alive stones + territory. Territory (Japanese): territory + prisoners, where the
/// points under dead stones are territory and the dead stones prisoners. Tromp-Taylor counts every stone on the
/// board as alive, so it ignores the dead list. Japanese seki rules (no territory in seki) are not modelled: an
/// eye inside a seki that only one colour borders counts as that colour's territory.
/// </summary>
public static class Scorer
{
    /// <summary>Counts a position.</summary>
    public static Score Count(Board board, RuleSet rules, double komi, IEnumerable<Point>? deadStones = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(rules);
        var size = board.Size;
        var dead = new bool[Board.IndexCount(size)];
        int deadBlack = 0, deadWhite = 0;
        if (deadStones is not null && rules != RuleSet.TrompTaylor)
        {
            foreach (var point in deadStones)
            {
                if (!point.IsOnBoard(size))
                {
                    throw new ArgumentException($"Dead stone {point} is off the board.", nameof(deadStones));
                }
                var index = board.IndexOf(point);
                var stone = board[index];
                if (stone == Stone.Empty)
                {
                    throw new ArgumentException($"Dead stone {point} marks an empty point.", nameof(deadStones));
                }
                if (!dead[index])
                {
                    dead[index] = true;
                    if (stone == Stone.Black) { deadBlack++; } else { deadWhite++; }
                }
            }
        }

        var ownership = new sbyte[size * size];
        var region = new int[Board.IndexCount(size)];
        var stack = new Stack<int>();
        var members = new List<int>();
        int blackTerritory = 0, whiteTerritory = 0, blackStones = 0, whiteStones = 0, regionId = 0;
        foreach (var start in board.Indices())
        {
            var s = board[start];
            if (s != Stone.Empty && !dead[start])
            {
                if (s == Stone.Black) { blackStones++; } else { whiteStones++; }
                ownership[Cell(board, start)] = (sbyte)(s == Stone.Black ? 1 : -1);
                continue;
            }
            if (region[start] != 0)
            {
                continue;
            }
            regionId++;
            bool bordersBlack = false, bordersWhite = false;
            members.Clear();
            stack.Push(start);
            region[start] = regionId;
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                members.Add(p);
                foreach (var n in board.Neighbours(p))
                {
                    var ns = board[n];
                    if (ns == Stone.Border)
                    {
                        continue;
                    }
                    if (ns != Stone.Empty && !dead[n])
                    {
                        bordersBlack |= ns == Stone.Black;
                        bordersWhite |= ns == Stone.White;
                    }
                    else if (region[n] == 0)
                    {
                        region[n] = regionId;
                        stack.Push(n);
                    }
                }
            }
            if (bordersBlack == bordersWhite)
            {
                continue;
            }
            var owner = (sbyte)(bordersBlack ? 1 : -1);
            var territory = 0;
            foreach (var p in members)
            {
                ownership[Cell(board, p)] = owner;
                // Under territory counting a dead stone of the owner inside its own region is no territory.
                if (rules.Scoring == ScoringMethod.Area || board[p] != (bordersBlack ? Stone.Black : Stone.White))
                {
                    territory++;
                }
            }
            if (bordersBlack) { blackTerritory += territory; } else { whiteTerritory += territory; }
        }

        var blackPrisoners = board.CapturesBy(Color.Black) + deadWhite;
        var whitePrisoners = board.CapturesBy(Color.White) + deadBlack;
        double black, white;
        if (rules.Scoring == ScoringMethod.Area)
        {
            black = blackStones + blackTerritory;
            white = whiteStones + whiteTerritory + komi;
        }
        else
        {
            black = blackTerritory + blackPrisoners;
            white = whiteTerritory + whitePrisoners + komi;
        }
        return new Score(blackTerritory, whiteTerritory, blackStones, whiteStones, blackPrisoners, whitePrisoners, black, white, ownership);
    }

    private static int Cell(Board board, int index)
    {
        var p = board.PointOf(index);
        return p.Y * board.Size + p.X;
    }
}
