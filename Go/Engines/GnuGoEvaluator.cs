using System.Globalization;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Engines;

/// <summary>
/// GNU Go as the evaluator: the game is played into GNU Go move by move and <c>estimate_score</c> read after each
/// (GNU Go's own territory estimate, e.g. <c>W+3.5</c>). Slow (GNU Go reads tactics for every estimate), so it suits
/// the review of one game; ownership is not reported by the estimate, so it is left undecided.
/// </summary>
public sealed class GnuGoEvaluator(int level = 1) : IGameEvaluator
{
    /// <inheritdoc />
    public string Name => "gnugo";

    /// <inheritdoc />
    /// <remarks>GNU Go is too slow to calibrate on whole collections (seconds a position); it keeps the design's thresholds.</remarks>
    public ClassificationThresholds Thresholds => ClassificationThresholds.Design;

    /// <inheritdoc />
    public IReadOnlyList<PositionEvaluation> EvaluateGame(GameRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var engine = GtpEngine.StartGnuGo(level, chineseRules: record.Rules.Scoring == ScoringMethod.Area);
        GnuGoPositions.Setup(engine, record);
        var empty = new double[record.Size * record.Size];
        var evaluations = new List<PositionEvaluation> { new(ReadEstimate(engine.Send("estimate_score")), empty) };
        var replay = new GameReplayer().Replay(record);
        for (var i = 0; i < replay.MovesPlayed; i++)
        {
            var move = record.Moves[i];
            engine.Send($"play {(move.Player == Color.Black ? "black" : "white")} {move.Point.ToGtp(record.Size)}");
            evaluations.Add(new PositionEvaluation(ReadEstimate(engine.Send("estimate_score")), empty));
        }
        return evaluations;
    }

    /// <summary>Reads <c>B+3.5</c> / <c>W+12.0</c> / <c>0</c> as Black's margin.</summary>
    public static double ReadEstimate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "0";
        if (value is "0" or "")
        {
            return 0;
        }
        var sign = value[0] == 'B' ? 1 : -1;
        return sign * double.Parse(value.AsSpan(2), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}

/// <summary>Puts a record's position into a GTP engine.</summary>
public static class GnuGoPositions
{
    /// <summary>Sets board size, komi and the initial setup stones (played as moves: setup never captures).</summary>
    public static void Setup(GtpEngine engine, GameRecord record)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(record);
        var commands = new List<string>
        {
            $"boardsize {record.Size}",
            "clear_board",
            string.Create(CultureInfo.InvariantCulture, $"komi {record.Komi}"),
        };
        foreach (var stone in record.Setup.Where(s => s.BeforeMove == 0 && s.Stone != Stone.Empty))
        {
            commands.Add($"play {(stone.Stone == Stone.Black ? "black" : "white")} {stone.Point.ToGtp(record.Size)}");
        }
        engine.SendMany(commands);
    }

    /// <summary>Sets up a record and plays its first <paramref name="moves"/> moves.</summary>
    public static void PlayTo(GtpEngine engine, GameRecord record, int moves)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(record);
        Setup(engine, record);
        engine.SendMany([.. record.Moves.Take(moves).Select(m => $"play {(m.Player == Color.Black ? "black" : "white")} {m.Point.ToGtp(record.Size)}")]);
    }
}
