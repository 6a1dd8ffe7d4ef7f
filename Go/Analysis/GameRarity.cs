using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Analysis;

/// <summary>
/// How rare a game is against a corpus of games: the rarity term of a game's reward (reward = base × (rarity × 1.5 +
/// clarity × 1.2 + model impact × 3.0)). Rare games are worth more for training because the corpus already holds
/// plenty of the common ones; the index measures rarity in two places a game can differ from the corpus, its opening
/// and the local shapes its moves are played into, and keeps one index per board size (a 9×9 opening says nothing
/// about 19×19 ones).
/// <para><b>Opening.</b> The opening is the game's first <see cref="OpeningMoves"/> moves (fewer in shorter games),
/// preceded by the initial setup stones (handicap), all canonicalised under the board's eight symmetries: of the eight
/// transformed sequences, the lexicographically smallest (points and colours both count, so a colour is never
/// swapped). For each prefix length L = 1..min(8, moves) the index counts how many corpus games n_L share the game's
/// canonical prefix, and the prefix's rarity is its surprisal normalised by the surprisal of a prefix no corpus game
/// shares: r_L = −log2((n_L + 1) / (N + 1)) / log2(N + 1), with N the corpus games of that size (add-one smoothing,
/// so an unseen prefix is 1 and a prefix every game shares is 0). Opening rarity is the mean of r_L over the prefix
/// lengths. Why this shape: a logarithmic scale measures how much information the opening carries (a prefix shared by
/// 1 % of games is far from unseen, and a linear 1 − n/N would call nearly every 5-move prefix "rare"); averaging
/// over prefix lengths makes the move where a game leaves the known lines count, a game that departs at move 2 being
/// rarer than one that departs at move 7; and normalising by the unseen prefix's surprisal keeps the figure in 0..1
/// whatever the corpus size.</para>
/// <para><b>Shapes.</b> For every move of the first <see cref="ShapeMoves"/> (passes skipped, and none after the first
/// illegal move), the 3×3 neighbourhood of the played point on the board before the move, each of its eight cells
/// read as empty, own, enemy or off-board relative to the mover (so the same shape for Black and White is one shape),
/// canonicalised under the eight symmetries of the square (the smallest code). A shape with count c among T shape
/// occurrences and D distinct shapes has the smoothed probability (c + 1) / (T + D + 1) (add-one smoothing, with one
/// slot for all unseen shapes); its rarity is min(1, surprisal / log2(D + 1)), the surprisal over that of a uniform
/// pick among the known shapes: a move into a shape at least as surprising as a random one counts as fully rare, one
/// into a shape the corpus plays all the time counts little. Shape rarity is the mean over the game's moves. Why: the
/// opening only sees the first moves, and the local shapes tell a game that plays unusual moves throughout its first
/// part (first-line moves, odd contact plays) from one that only took an unusual first step.</para>
/// <para><b>Rarity</b> = 0.5 × opening + 0.5 × shapes, in basis points (0..10,000), rounded and clamped: the two are
/// weighed equally, since neither alone tells a new game from a known game with a new first move. A game with no moves,
/// or on a board size with no corpus games, is 0: nothing is known that makes it rare, and a reward should not be paid
/// on no evidence. A game in the corpus counts itself, so a corpus game is never quite fully rare.</para>
/// <para>Thread-safe: <see cref="Add"/> (stamped games joining the corpus) and the scores may run concurrently; a
/// game's opening and shapes are read outside the lock, and only the counting holds it.</para>
/// </summary>
public sealed class GameRarityIndex
{
    /// <summary>How many of a game's first moves make its opening.</summary>
    public const int OpeningMoves = 8;

    /// <summary>How many of a game's first moves have their 3×3 shapes counted.</summary>
    public const int ShapeMoves = 60;

    private const char PassCode = (char)0x7FFF;
    private const int OffBoard = 3;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, SizeIndex> _sizes = [];
    private int _games;

    /// <summary>The games in the corpus, all sizes together.</summary>
    public int Games
    {
        get
        {
            lock (_gate)
            {
                return _games;
            }
        }
    }

    /// <summary>An index of the given games.</summary>
    public static GameRarityIndex Build(IEnumerable<GameRecord> games)
    {
        ArgumentNullException.ThrowIfNull(games);
        var index = new GameRarityIndex();
        foreach (var game in games)
        {
            index.Add(game);
        }
        return index;
    }

    /// <summary>The corpus games of one board size.</summary>
    public int GamesOfSize(int size)
    {
        lock (_gate)
        {
            return _sizes.TryGetValue(size, out var index) ? index.Games : 0;
        }
    }

    /// <summary>Adds a game to the corpus (a stamped game joining it); thread-safe.</summary>
    public void Add(GameRecord game)
    {
        ArgumentNullException.ThrowIfNull(game);
        var profile = Profile.Of(game);
        lock (_gate)
        {
            if (!_sizes.TryGetValue(game.Size, out var index))
            {
                index = new SizeIndex();
                _sizes[game.Size] = index;
            }
            index.Add(profile);
            _games++;
        }
    }

    /// <summary>The game's rarity in basis points (0..10,000): 0.5 × opening rarity + 0.5 × shape rarity (see the class).</summary>
    public int RarityBp(GameRecord game)
    {
        var (opening, shapes) = Rarities(game);
        return ToBp(0.5 * opening + 0.5 * shapes);
    }

    /// <summary>The rarity of the game's opening alone, in basis points (0..10,000; see the class).</summary>
    public int OpeningRarityBp(GameRecord game) => ToBp(Rarities(game).Opening);

    /// <summary>The rarity of the game's 3×3 shapes alone, in basis points (0..10,000; see the class).</summary>
    public int ShapeRarityBp(GameRecord game) => ToBp(Rarities(game).Shapes);

    private (double Opening, double Shapes) Rarities(GameRecord game)
    {
        ArgumentNullException.ThrowIfNull(game);
        var profile = Profile.Of(game);
        lock (_gate)
        {
            return _sizes.TryGetValue(game.Size, out var index) ? (index.OpeningRarity(profile), index.ShapeRarity(profile)) : (0, 0);
        }
    }

    private static int ToBp(double share) => double.IsFinite(share) ? Math.Clamp((int)Math.Round(share * 10_000), 0, 10_000) : 0;

    // The counts for one board size (used under the index's lock).
    private sealed class SizeIndex
    {
        private readonly Dictionary<string, int>[] _prefixes = [.. Enumerable.Range(0, OpeningMoves).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal))];
        private readonly Dictionary<int, int> _shapes = [];
        private long _shapeTotal;

        public int Games { get; private set; }

        public void Add(Profile profile)
        {
            Games++;
            for (var l = 0; l < profile.Prefixes.Length; l++)
            {
                var counts = _prefixes[l];
                counts[profile.Prefixes[l]] = counts.GetValueOrDefault(profile.Prefixes[l]) + 1;
            }
            foreach (var shape in profile.Shapes)
            {
                _shapes[shape] = _shapes.GetValueOrDefault(shape) + 1;
                _shapeTotal++;
            }
        }

        public double OpeningRarity(Profile profile)
        {
            if (profile.Prefixes.Length == 0 || Games == 0)
            {
                return 0;
            }
            var unseen = Math.Log2(Games + 1.0);
            var sum = 0.0;
            for (var l = 0; l < profile.Prefixes.Length; l++)
            {
                var shared = _prefixes[l].GetValueOrDefault(profile.Prefixes[l]);
                sum += Math.Clamp(-Math.Log2((shared + 1.0) / (Games + 1.0)) / unseen, 0, 1);
            }
            return sum / profile.Prefixes.Length;
        }

        public double ShapeRarity(Profile profile)
        {
            if (profile.Shapes.Length == 0 || _shapes.Count == 0)
            {
                return 0;
            }
            var distinct = _shapes.Count;
            var uniform = Math.Log2(distinct + 1.0);
            var denominator = _shapeTotal + distinct + 1.0;
            var sum = 0.0;
            foreach (var shape in profile.Shapes)
            {
                var surprisal = -Math.Log2((_shapes.GetValueOrDefault(shape) + 1.0) / denominator);
                sum += Math.Clamp(surprisal / uniform, 0, 1);
            }
            return sum / profile.Shapes.Length;
        }
    }

    // What the index reads from a game: its canonical opening prefixes (index l: length l + 1) and its canonical shapes.
    private sealed record Profile(string[] Prefixes, int[] Shapes)
    {
        public static Profile Of(GameRecord game) => new(OpeningPrefixes(game), ShapesOf(game));

        private static string[] OpeningPrefixes(GameRecord game)
        {
            var length = Math.Min(OpeningMoves, game.Moves.Length);
            if (length == 0)
            {
                return [];
            }
            var size = game.Size;
            var setup = game.Setup.Where(s => s.BeforeMove == 0 && s.Stone is Stone.Black or Stone.White).ToList();
            // Per symmetry: the setup's length, its stones sorted (a set has no order), then the moves.
            var sequences = new string[8];
            for (var symmetry = 0; symmetry < 8; symmetry++)
            {
                var codes = new char[1 + setup.Count + length];
                codes[0] = (char)setup.Count;
                var stones = setup.Select(s => Code(s.Stone == Stone.White, s.Point, symmetry, size)).Order().ToArray();
                stones.CopyTo(codes, 1);
                for (var i = 0; i < length; i++)
                {
                    var move = game.Moves[i];
                    codes[1 + setup.Count + i] = Code(move.Player == Color.White, move.Point, symmetry, size);
                }
                sequences[symmetry] = new string(codes);
            }
            var prefixes = new string[length];
            for (var l = 1; l <= length; l++)
            {
                var keep = 1 + setup.Count + l;
                string? best = null;
                foreach (var sequence in sequences)
                {
                    var prefix = sequence[..keep];
                    if (best is null || string.CompareOrdinal(prefix, best) < 0)
                    {
                        best = prefix;
                    }
                }
                prefixes[l - 1] = best!;
            }
            return prefixes;
        }

        // One stone or move: the colour in the top bit, the transformed point (or the pass) below it.
        private static char Code(bool white, Point point, int symmetry, int size)
        {
            var colour = white ? 0x8000 : 0;
            if (point.IsPass || !point.IsOnBoard(size))
            {
                return (char)(colour | PassCode);
            }
            var p = Openings.Transform(point, symmetry, size);
            return (char)(colour | (p.Y * 32 + p.X));
        }

        private static int[] ShapesOf(GameRecord game)
        {
            var shapes = new List<int>(ShapeMoves);
            var board = game.InitialBoard();
            var setup = game.Setup;
            var nextSetup = 0;
            while (nextSetup < setup.Count && setup[nextSetup].BeforeMove == 0)
            {
                nextSetup++;
            }
            Span<int> cells = stackalloc int[9];
            for (var i = 0; i < Math.Min(ShapeMoves, game.Moves.Length); i++)
            {
                while (nextSetup < setup.Count && setup[nextSetup].BeforeMove == i)
                {
                    board.Setup(setup[nextSetup].Point, setup[nextSetup].Stone);
                    nextSetup++;
                }
                var move = game.Moves[i];
                if (move.IsPass)
                {
                    board.Pass();
                    continue;
                }
                if (!move.Point.IsOnBoard(game.Size))
                {
                    break;
                }
                var own = move.Player.ToStone();
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var p = new Point(move.Point.X + dx, move.Point.Y + dy);
                        cells[(dy + 1) * 3 + dx + 1] = !p.IsOnBoard(game.Size) ? OffBoard
                            : board[p] switch { Stone.Empty => 0, var s when s == own => 1, _ => 2 };
                    }
                }
                shapes.Add(CanonicalShape(cells));
                if (board.Play(move) != MoveLegality.Legal)
                {
                    break;
                }
            }
            return [.. shapes];
        }

        // The smallest of the eight transformed shapes' codes: two bits per cell, the centre (always empty) left out.
        private static int CanonicalShape(ReadOnlySpan<int> cells)
        {
            var best = int.MaxValue;
            for (var symmetry = 0; symmetry < 8; symmetry++)
            {
                var code = 0;
                for (var y = 0; y < 3; y++)
                {
                    for (var x = 0; x < 3; x++)
                    {
                        if (x == 1 && y == 1)
                        {
                            continue;
                        }
                        var from = Openings.Transform(new Point(x, y), symmetry, 3);
                        code = (code << 2) | cells[from.Y * 3 + from.X];
                    }
                }
                best = Math.Min(best, code);
            }
            return best;
        }
    }
}
