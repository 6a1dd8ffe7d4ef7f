using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Analysis;

/// <summary>One game from one player's side, as the style profile reads it.</summary>
/// <param name="Record">The game.</param>
/// <param name="Player">The colour the player had.</param>
/// <param name="MoveSeconds">Per move of the game (index = move number − 1): the seconds its mover took, null where unknown; null for a record without times.</param>
/// <param name="MoveQuality">Per move of the game (index = move number − 1): the model's probability of the move played divided by its probability of its own first choice (1 = the model's move), NaN where not measured; null without a model.</param>
public sealed record StyleGame(GameRecord Record, Color Player, IReadOnlyList<double?>? MoveSeconds = null, IReadOnlyList<double>? MoveQuality = null)
{
    /// <summary>The game from the side of the player named <paramref name="player"/> (PB or PW, ordinal), or null when neither names them.</summary>
    public static StyleGame? For(GameRecord record, string player, IReadOnlyList<double?>? moveSeconds = null, IReadOnlyList<double>? moveQuality = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        Color? colour = string.Equals(record.Black, player, StringComparison.Ordinal) ? Color.Black
            : string.Equals(record.White, player, StringComparison.Ordinal) ? Color.White
            : null;
        return colour is { } c ? new StyleGame(record, c, moveSeconds, moveQuality) : null;
    }
}

/// <summary>Territory against moyo and influence.</summary>
/// <param name="LowLineShare">Of the player's opening moves (the game's first 50 moves on 19×19, scaled by area), the share on lines 1–3 rather than 4 and higher.</param>
/// <param name="SecuredShare">At the middle-game checkpoint (move 100 on 19×19, scaled by area; the last move if earlier), the share of the empty points leaning to the player that the influence estimate counts as owned (|ownership| ≥ ½) rather than merely leaning: secure territory against loose framework.</param>
/// <param name="Score">The mean of the two, 0..1: higher is more territorial, lower more moyo and influence.</param>
public sealed record TerritorialStyle(double LowLineShare, double SecuredShare, double Score);

/// <summary>How much the player fights, as shares of their board moves.</summary>
/// <param name="ContactRate">Moves touching an enemy stone.</param>
/// <param name="AtariRate">Moves leaving an enemy chain with one liberty.</param>
/// <param name="CaptureRate">Moves that capture.</param>
/// <param name="Score">Moves that do any of the three, 0..1.</param>
public sealed record FightingStyle(double ContactRate, double AtariRate, double CaptureRate, double Score);

/// <summary>How fast the player plays.</summary>
/// <param name="Basis"><c>clock</c> when at least half of the player's moves carry the seconds they took (games played through the cluster: the time between accepted moves), else <c>tempo</c>.</param>
/// <param name="MedianSecondsPerMove">The median of those seconds (clock basis only).</param>
/// <param name="MeanSecondsPerMove">Their mean (clock basis only).</param>
/// <param name="TenukiRate">A tempo measure, always given: of the player's board moves answering an opponent's board move, the share played more than four lines away from it (Chebyshev distance &gt; 4): turning elsewhere for speed rather than answering locally.</param>
public sealed record SpeedStyle(string Basis, double? MedianSecondsPerMove, double? MeanSecondsPerMove, double TenukiRate);

/// <summary>How even the player's move quality is from game to game, against the model's policy.</summary>
/// <param name="GamesMeasured">Games with a measured quality (the model's board size).</param>
/// <param name="MeanQuality">The mean over those games of a game's mean move quality (the model's probability of the move played over that of its first choice, 0..1).</param>
/// <param name="StdDevAcrossGames">The population standard deviation of the games' mean qualities: lower is more consistent; null with fewer than two games.</param>
/// <param name="ModelAgreement">The share of the player's measured moves that were the model's first choice.</param>
public sealed record ConsistencyStyle(int GamesMeasured, double MeanQuality, double? StdDevAcrossGames, double ModelAgreement);

/// <summary>A player's style over their games.</summary>
/// <param name="Player">The player.</param>
/// <param name="Games">Games read.</param>
/// <param name="Moves">The player's moves in them (passes included).</param>
/// <param name="Territorial">Territory against influence.</param>
/// <param name="Fighting">Contact, ataris and captures.</param>
/// <param name="Speed">Clock time per move or tempo.</param>
/// <param name="Consistency">Move quality against the model across games; null when no game was measured.</param>
public sealed record PlayerStyle(string Player, int Games, int Moves, TerritorialStyle Territorial, FightingStyle Fighting, SpeedStyle Speed, ConsistencyStyle? Consistency)
{
    /// <summary>What every measure means, for reports and API answers.</summary>
    public static IReadOnlyDictionary<string, string> Definitions { get; } = new Dictionary<string, string>
    {
        ["territorial.lowLineShare"] = "share of the player's opening moves (first 50 moves of a 19x19 game, scaled by area) on lines 1-3 rather than 4+",
        ["territorial.securedShare"] = "at move 100 (19x19, scaled by area), share of the empty points leaning to the player that the influence estimate counts as owned (|ownership| >= 1/2): territory against framework",
        ["territorial.score"] = "mean of lowLineShare and securedShare: higher is territorial, lower moyo/influence",
        ["fighting.contactRate"] = "share of the player's board moves touching an enemy stone",
        ["fighting.atariRate"] = "share of the player's board moves leaving an enemy chain in atari",
        ["fighting.captureRate"] = "share of the player's board moves that capture",
        ["fighting.score"] = "share of the player's board moves that touch, atari or capture",
        ["speed.basis"] = "clock: seconds between accepted moves (games played through the cluster); tempo: records without times",
        ["speed.tenukiRate"] = "share of the player's answers to an opponent's board move played more than 4 lines (Chebyshev) away from it",
        ["consistency.meanQuality"] = "mean over games of the mean of p(played)/p(model's first choice) by the model's policy",
        ["consistency.stdDevAcrossGames"] = "population standard deviation of the per-game mean quality: lower is more consistent",
        ["consistency.modelAgreement"] = "share of the player's measured moves that were the model's first choice",
    };

    /// <summary>The profile of <paramref name="player"/> over <paramref name="games"/> (each from the player's side).</summary>
    public static PlayerStyle Of(string player, IEnumerable<StyleGame> games)
    {
        ArgumentNullException.ThrowIfNull(games);
        var totals = new Counts();
        var gameQualities = new List<double>();
        int gameCount = 0, measuredMoves = 0, agreed = 0;
        var seconds = new List<double>();
        foreach (var game in games)
        {
            gameCount++;
            var (sum, count, first) = Read(game, totals, seconds);
            if (count > 0)
            {
                gameQualities.Add(sum / count);
                measuredMoves += count;
                agreed += first;
            }
        }
        var clock = seconds.Count > 0 && seconds.Count * 2 >= totals.Moves;
        seconds.Sort();
        var speed = new SpeedStyle(clock ? "clock" : "tempo",
            clock ? Math.Round(Median(seconds), 3) : null, clock ? Math.Round(seconds.Average(), 3) : null, Share(totals.Tenukis, totals.Answers));
        var lowLines = Share(totals.OpeningLow, totals.OpeningMoves);
        var secured = Share(totals.Secured, totals.Leaning);
        var territorial = new TerritorialStyle(lowLines, secured, Math.Round((lowLines + secured) / 2, 4));
        var fighting = new FightingStyle(Share(totals.Contact, totals.BoardMoves), Share(totals.Atari, totals.BoardMoves),
            Share(totals.Capture, totals.BoardMoves), Share(totals.Tactical, totals.BoardMoves));
        ConsistencyStyle? consistency = null;
        if (gameQualities.Count > 0)
        {
            var mean = gameQualities.Average();
            double? spread = gameQualities.Count >= 2 ? Math.Round(Math.Sqrt(gameQualities.Sum(q => (q - mean) * (q - mean)) / gameQualities.Count), 4) : null;
            consistency = new ConsistencyStyle(gameQualities.Count, Math.Round(mean, 4), spread, Share(agreed, measuredMoves));
        }
        return new PlayerStyle(player, gameCount, totals.Moves, territorial, fighting, speed, consistency);
    }

    /// <summary>The opening's length and the middle-game checkpoint on a board of <paramref name="size"/> (50 and 100 moves on 19×19).</summary>
    public static (int OpeningMoves, int Checkpoint) Phases(int size) =>
        (Math.Max(10, (int)Math.Round(50.0 * size * size / 361)), Math.Max(20, (int)Math.Round(100.0 * size * size / 361)));

    /// <summary>The line a point lies on, counted from the nearest edge (1 = the edge).</summary>
    public static int LineOf(Point point, int size) => 1 + Math.Min(Math.Min(point.X, point.Y), Math.Min(size - 1 - point.X, size - 1 - point.Y));

    private sealed class Counts
    {
        public int Moves, BoardMoves, Contact, Atari, Capture, Tactical, OpeningMoves, OpeningLow, Answers, Tenukis, Secured, Leaning;
    }

    // Adds one game's counts; returns the sum and count of its measured move qualities and how many were the model's first choice.
    private static (double Sum, int Count, int First) Read(StyleGame game, Counts totals, List<double> seconds)
    {
        var record = game.Record;
        var size = record.Size;
        var (trace, _) = GameAnalyzer.Trace(record);
        var (openingMoves, checkpoint) = Phases(size);
        double sum = 0;
        int count = 0, first = 0;
        for (var i = 0; i < trace.Count; i++)
        {
            var t = trace[i];
            if (t.Move.Player != game.Player)
            {
                continue;
            }
            totals.Moves++;
            if (game.MoveSeconds is { } times && i < times.Count && times[i] is { } s)
            {
                seconds.Add(s);
            }
            if (game.MoveQuality is { } quality && i < quality.Count && double.IsFinite(quality[i]))
            {
                sum += quality[i];
                count++;
                first += quality[i] >= 1 ? 1 : 0;
            }
            if (t.Move.IsPass)
            {
                continue;
            }
            totals.BoardMoves++;
            totals.Contact += t.Contact ? 1 : 0;
            totals.Atari += t.Atari ? 1 : 0;
            totals.Capture += t.Captured > 0 ? 1 : 0;
            totals.Tactical += t.Contact || t.Atari || t.Captured > 0 ? 1 : 0;
            if (i < openingMoves)
            {
                totals.OpeningMoves++;
                totals.OpeningLow += LineOf(t.Move.Point, size) <= 3 ? 1 : 0;
            }
            if (i > 0 && trace[i - 1] is { Move.IsPass: false } previous)
            {
                totals.Answers++;
                var distance = Math.Max(Math.Abs(previous.Move.Point.X - t.Move.Point.X), Math.Abs(previous.Move.Point.Y - t.Move.Point.Y));
                totals.Tenukis += distance > 4 ? 1 : 0;
            }
        }
        // The framework at the checkpoint: the player's empty points, owned or only leaning.
        if (trace.Count > 0)
        {
            var board = new GameReplayer().BoardAfter(record, Math.Min(checkpoint, trace.Count));
            var ownership = InfluenceEvaluator.Evaluate(board, record.Komi).Ownership;
            var sign = game.Player == Color.Black ? 1 : -1;
            for (var cell = 0; cell < ownership.Length; cell++)
            {
                var o = ownership[cell] * sign;
                if (o > 0 && board[new Point(cell % size, cell / size)] == Stone.Empty)
                {
                    totals.Leaning++;
                    totals.Secured += o >= 0.5 ? 1 : 0;
                }
            }
        }
        return (sum, count, first);
    }

    private static double Share(int part, int whole) => whole == 0 ? 0 : Math.Round(part / (double)whole, 4);

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
