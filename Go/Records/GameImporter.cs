using System.Globalization;
using OrleansGoRelay.Go.Ratings;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Go.Records;

/// <summary>
/// Turns an SGF tree into a <see cref="GameRecord"/>, normalising the quirks of real records:
/// <list type="bullet">
/// <item>Fox writes komi ×100, in stones under Chinese rules (<c>KM[375]</c> = 3¾ stones = 7.5 points) and in
/// points otherwise (<c>KM[650]</c> = 6.5): an integral komi of 100 or more is divided by 50 or 100.</item>
/// <item>Ranks such as <c>P9段</c>, <c>9段</c>, <c>18级</c>, <c>9d</c>, <c>3k</c>, <c>1p</c> (see <see cref="Rank.Parse"/>).</item>
/// <item>Passes as <c>B[]</c> or, on boards up to 19×19, <c>B[tt]</c>.</item>
/// <item>Handicap games whose stones were not recorded (<c>HA[2]</c>, no <c>AB</c>, White moves first) get the
/// stones Fox places: the fixed placement, except that its 6 and 7 stones take the top and bottom side star points
/// where GTP takes left and right (in the Fox records no move is ever played on K4/K16 in such games, while D10
/// and Q10 are). <c>HA[1]</c> means no komi and no stones.</item>
/// </list>
/// </summary>
public static class GameImporter
{
    /// <summary>Imports the main line of a game tree.</summary>
    public static GameRecord Import(SgfNode root, int gameNumber = 1)
    {
        ArgumentNullException.ThrowIfNull(root);
        var size = ReadSize(root, gameNumber);
        var rules = RuleSet.FromName(root["RU"]) ?? RuleSet.Japanese;
        var komi = ReadKomi(root, rules, gameNumber);
        var handicap = ReadInt(root, "HA", gameNumber) ?? 0;
        var setup = new List<SetupStone>();
        var moves = new List<Move>();
        foreach (var node in root.MainLine())
        {
            foreach (var property in node.Properties)
            {
                switch (property.Identifier)
                {
                    case "B" or "W":
                        var player = property.Identifier == "B" ? Color.Black : Color.White;
                        moves.Add(new Move(player, ReadMovePoint(property.Value, size, gameNumber, moves.Count + 1)));
                        break;
                    case "AB" or "AW" or "AE":
                        var stone = property.Identifier switch { "AB" => Stone.Black, "AW" => Stone.White, _ => Stone.Empty };
                        foreach (var value in property.Values)
                        {
                            foreach (var point in ReadPointList(value, size, gameNumber))
                            {
                                setup.Add(new SetupStone(moves.Count, point, stone));
                            }
                        }
                        break;
                }
            }
        }
        var recordedBlackStones = setup.Count(s => s.BeforeMove == 0 && s.Stone == Stone.Black);
        var placement = HandicapSetup.Recorded;
        if (handicap >= 2 && recordedBlackStones == 0 && moves.Count > 0 && moves[0].Player == Color.White && handicap <= Handicap.MaxFixed(size))
        {
            var standard = Handicap.FixedPoints(size, handicap);
            var turned = standard.Select(p => new Point(p.Y, p.X)).ToList();
            if (standard.ToHashSet().SetEquals(turned))
            {
                placement = HandicapSetup.FixedPoints;
            }
            else
            {
                // 6 and 7 stones stand on two sides of the board, and Fox records without AB are seen both ways: the
                // game decides (a stone cannot be played onto a point a handicap stone holds).
                var standardLegal = ReplaysLegally(size, rules, standard, moves);
                var turnedLegal = ReplaysLegally(size, rules, turned, moves);
                (placement, standard) = (standardLegal, turnedLegal) switch
                {
                    (true, false) => (HandicapSetup.DecidedByPlay, standard),
                    (false, true) => (HandicapSetup.DecidedByPlay, turned),
                    _ => (HandicapSetup.Unknown, turned), // turned: what most such Fox records show
                };
            }
            setup.InsertRange(0, standard.Select(p => new SetupStone(0, p, Stone.Black)));
        }
        return new GameRecord(
            size, komi, rules, handicap < 2 ? 0 : handicap, root["PB"], root["PW"], Rank.Parse(root["BR"]), Rank.Parse(root["WR"]),
            GameResult.Parse(root["RE"]), root["DT"], setup, [.. moves]) { HandicapSetup = placement };
    }

    private static bool ReplaysLegally(int size, RuleSet rules, IReadOnlyList<Point> stones, List<Move> moves)
    {
        var board = new Board(size, rules.Ko, rules.SuicideAllowed);
        foreach (var stone in stones)
        {
            board.Setup(stone, Stone.Black);
        }
        foreach (var move in moves)
        {
            if (move.IsPass)
            {
                board.Pass();
            }
            else if (board.Play(move.Player, board.IndexOf(move.Point)) != MoveLegality.Legal)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads the games of a file, importing each; errors (parse or import) come back per game.</summary>
    public static IEnumerable<(int GameNumber, GameRecord? Game, FormatException? Error)> ReadFile(string path)
    {
        foreach (var entry in SgfParser.ReadFile(path))
        {
            if (entry.Error is not null)
            {
                yield return (entry.GameNumber, null, entry.Error);
                continue;
            }
            GameRecord? record = null;
            FormatException? error = null;
            try
            {
                record = Import(entry.Game!, entry.GameNumber);
            }
            catch (GameImportException e)
            {
                error = e;
            }
            yield return (entry.GameNumber, record, error);
        }
    }

    private static int ReadSize(SgfNode root, int gameNumber)
    {
        var text = root["SZ"];
        if (text is null)
        {
            return 19;
        }
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new GameImportException(gameNumber, $"SZ[{text}] is not a square board size");
        }
        if (size is < Board.MinSize or > Board.MaxSize)
        {
            throw new GameImportException(gameNumber, $"SZ[{size}] is outside {Board.MinSize}..{Board.MaxSize}");
        }
        return size;
    }

    private static double ReadKomi(SgfNode root, RuleSet rules, int gameNumber)
    {
        var text = root["KM"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return rules.DefaultKomi;
        }
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var komi) || !double.IsFinite(komi))
        {
            throw new GameImportException(gameNumber, $"KM[{text}] is not a number");
        }
        if (Math.Abs(komi) >= 100 && komi == Math.Floor(komi))
        {
            komi /= rules.Scoring == ScoringMethod.Area ? 50 : 100;
        }
        return komi;
    }

    private static int? ReadInt(SgfNode node, string identifier, int gameNumber)
    {
        var text = node[identifier];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new GameImportException(gameNumber, $"{identifier}[{text}] is not a whole number");
    }

    /// <summary>A move's point: empty or <c>tt</c> (boards up to 19) is a pass.</summary>
    public static Point ReadMovePoint(string value, int size, int gameNumber, int moveNumber)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || (value == "tt" && size <= 19))
        {
            return Point.Pass;
        }
        return ReadPoint(value, gameNumber, $"move {moveNumber}");
    }

    private static IEnumerable<Point> ReadPointList(string value, int size, int gameNumber)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            var point = ReadPoint(value, gameNumber, "setup");
            if (!point.IsOnBoard(size))
            {
                throw new GameImportException(gameNumber, $"setup point [{value}] is off the {size}x{size} board");
            }
            yield return point;
            yield break;
        }
        // FF[4] compressed rectangle: [aa:cc].
        var from = ReadPoint(value[..colon], gameNumber, "setup");
        var to = ReadPoint(value[(colon + 1)..], gameNumber, "setup");
        if (!from.IsOnBoard(size) || !to.IsOnBoard(size))
        {
            throw new GameImportException(gameNumber, $"setup rectangle [{value}] is off the {size}x{size} board");
        }
        for (var y = Math.Min(from.Y, to.Y); y <= Math.Max(from.Y, to.Y); y++)
        {
            for (var x = Math.Min(from.X, to.X); x <= Math.Max(from.X, to.X); x++)
            {
                yield return new Point(x, y);
            }
        }
    }

    private static Point ReadPoint(string value, int gameNumber, string where)
    {
        if (value.Length != 2 || !TryCoordinate(value[0], out var x) || !TryCoordinate(value[1], out var y))
        {
            throw new GameImportException(gameNumber, $"{where}: [{value}] is not a point");
        }
        return new Point(x, y);
    }

    private static bool TryCoordinate(char c, out int value)
    {
        value = c switch
        {
            >= 'a' and <= 'z' => c - 'a',
            >= 'A' and <= 'Z' => c - 'A' + 26,
            _ => -1,
        };
        return value >= 0;
    }
}
