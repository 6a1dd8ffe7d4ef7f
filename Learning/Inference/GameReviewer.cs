using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>What the model makes of one move of a game.</summary>
/// <param name="Best">Its legal first choice in the position before the move (GTP vertex or pass).</param>
/// <param name="BestProbability">Its probability of that choice.</param>
/// <param name="PlayedProbability">Its probability of the move played.</param>
/// <param name="MoverWinBefore">The value head's win probability for the mover before the move.</param>
/// <param name="MoverWinAfter">The same after the move (read from the opponent's side and turned round).</param>
public sealed record ModelMoveChoice(string Best, double BestProbability, double PlayedProbability, double MoverWinBefore, double MoverWinAfter)
{
    /// <summary>The move's quality by the policy: the probability of the move played over that of the model's first choice (1 = its move).</summary>
    public double Quality => BestProbability <= 0 ? double.NaN : Math.Min(1, PlayedProbability / BestProbability);
}

/// <summary>
/// Reviews a game with the model and the analyser. The model reads every position (its legal first choice, the
/// probability it gave the move played, the value head's estimate), which gives the critical moves (the largest falls
/// of the mover's win probability), the agreement per colour and the value series. The analyser's evaluator (the
/// influence heuristic by default, GNU Go on request) gives the mistakes and the turning point (the largest falls of
/// the mover's estimated margin), the class and the phases. The policy alone gives its blunders: moves it would almost
/// never have played where it was sure of another. Every list comes with the model's move. The shipped
/// baseline's value head is nearly flat (value accuracy 50 % on held-out games: see
/// <see cref="ValueNetEvaluator.Calibrated"/>), so its critical moves are falls of a few points of 100 and the
/// analyser's mistakes are what a player should read first; a stronger value head sharpens the first list by itself.
/// </summary>
public static class GameReviewer
{
    private const int Batch = 64;

    /// <summary>A policy blunder: the model gave its own move at least this probability …</summary>
    private const double PolicyConfident = 0.5;

    /// <summary>… and the move played less than this.</summary>
    private const double PolicyUnlikely = 0.05;

    /// <summary>The review of <paramref name="record"/> by <paramref name="model"/> (up to the record's first illegal move).</summary>
    /// <param name="model">The model.</param>
    /// <param name="record">The game.</param>
    /// <param name="modelVersion">The version reported.</param>
    /// <param name="swings">The analyser's evaluator for the mistakes (default: the influence heuristic).</param>
    /// <param name="progress">Called with (positions read, positions) after each batch the model reads.</param>
    public static GameReview Review(OnnxMovePredictor model, GameRecord record, string modelVersion, IGameEvaluator? swings = null, Action<int, int>? progress = null) =>
        ReviewWithAnalysis(model, record, modelVersion, swings, progress).Review;

    /// <summary>As <see cref="Review"/>, with the analyser's whole analysis (lessons, phases) for tools that show more.</summary>
    public static (GameReview Review, GameAnalysis Analysis) ReviewWithAnalysis(
        OnnxMovePredictor model, GameRecord record, string modelVersion, IGameEvaluator? swings = null, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(record);
        var evaluator = swings ?? new InfluenceEvaluator();
        var choices = Choices(model, record, progress);
        var analysis = new GameAnalyzer(evaluator).Analyze(record);
        var moves = choices.Count;

        var blackWins = new List<double>(moves);
        var agreed = new Dictionary<Color, (int Same, int All)> { [Color.Black] = (0, 0), [Color.White] = (0, 0) };
        for (var i = 0; i < moves; i++)
        {
            var played = record.Moves[i];
            var (same, all) = agreed[played.Player];
            agreed[played.Player] = (same + (choices[i].Best == played.Point.ToGtp(record.Size) ? 1 : 0), all + 1);
            blackWins.Add(Math.Round(played.Player == Color.Black ? choices[i].MoverWinAfter : 1 - choices[i].MoverWinAfter, 4));
        }

        ReviewedMove Reviewed(int moveNumber, double swing, string kind, string phase)
        {
            var choice = choices[moveNumber - 1];
            var move = record.Moves[moveNumber - 1];
            return new ReviewedMove(moveNumber, move.Player.ToLetter().ToString(), move.Point.ToGtp(record.Size), Math.Round(swing, 2), kind, phase,
                choice.Best, Math.Round(choice.BestProbability, 4), Math.Round(choice.PlayedProbability, 4));
        }
        var mistakes = analysis.TurningPoints
            .Where(t => t.MoveNumber >= 1 && t.MoveNumber <= moves)
            .Select(t => Reviewed(t.MoveNumber, t.Swing, t.MistakeType, t.Phase))
            .OrderByDescending(m => m.Swing)
            .ToList();
        var phases = analysis.Features.Phases;
        string PhaseOf(int m) => m <= phases.OpeningToMiddle ? "opening" : m < phases.MiddleToEnd ? "middle game" : "endgame";
        var critical = Enumerable.Range(1, moves)
            .Select(m => (Move: m, Fall: 100 * (choices[m - 1].MoverWinBefore - choices[m - 1].MoverWinAfter)))
            .Where(c => c.Fall > 0)
            .OrderByDescending(c => c.Fall)
            .Take(5)
            .Select(c => Reviewed(c.Move, c.Fall, ValueKind(c.Fall), PhaseOf(c.Move)))
            .ToList();
        // The policy's blunders: where the model was sure of its move and would almost never have played the one chosen.
        var policyBlunders = Enumerable.Range(1, moves)
            .Where(m => choices[m - 1] is { BestProbability: >= PolicyConfident, PlayedProbability: < PolicyUnlikely })
            .Select(m => (Move: m, Gap: 100 * (choices[m - 1].BestProbability - choices[m - 1].PlayedProbability)))
            .OrderByDescending(b => b.Gap)
            .Take(5)
            .Select(b => Reviewed(b.Move, b.Gap, "policy blunder", PhaseOf(b.Move)))
            .ToList();
        var review = new GameReview(moves, record.Result.ToString(), analysis.Class.ToString().ToLowerInvariant(), mistakes.FirstOrDefault(), mistakes, blackWins,
            agreed.ToDictionary(a => a.Key.ToLetter().ToString(), a => a.Value.All == 0 ? 0 : Math.Round(a.Value.Same / (double)a.Value.All, 4)), modelVersion, 0,
            critical, evaluator.Name, policyBlunders);
        return (review, analysis);
    }

    /// <summary>
    /// What the model makes of each move of the record (up to its first illegal move), reading the positions in
    /// batches; <paramref name="progress"/> hears (positions read, positions) after each batch.
    /// </summary>
    public static IReadOnlyList<ModelMoveChoice> Choices(OnnxMovePredictor model, GameRecord record, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(record);
        if (record.Size != model.BoardSize)
        {
            throw new PositionRefusedException("wrong_board_size", $"The model plays {model.BoardSize}x{model.BoardSize}; the game is {record.Size}x{record.Size}.");
        }
        var boards = new List<(Board Board, Color ToMove)>();
        var positions = GamePositions.Sequence(record, (board, toMove) => boards.Add((board.Clone(), toMove))).ToList();
        var moves = positions.Count(p => p.Next is not null);
        var predictions = Predict(model, positions, record.Size, progress);
        var choices = new ModelMoveChoice[moves];
        for (var i = 0; i < moves; i++)
        {
            var (board, toMove) = boards[i];
            var distribution = LegalPolicy.Distribution(board, toMove, predictions[i]);
            var best = distribution.MaxBy(m => m.Probability)!;
            var playedVertex = positions[i].Next!.Value.Point.ToGtp(record.Size);
            // Each value is the side to move's: before the move that is the mover, after it the opponent.
            choices[i] = new ModelMoveChoice(best.Move, best.Probability, distribution.FirstOrDefault(m => m.Move == playedVertex)?.Probability ?? 0,
                WinProbability(predictions[i].Value), 1 - WinProbability(predictions[i + 1].Value));
        }
        return choices;
    }

    private static double WinProbability(double value) => Math.Clamp((value + 1) / 2, 0, 1);

    private static string ValueKind(double fall) => fall >= 20 ? "blunder" : fall >= 10 ? "mistake" : fall >= 5 ? "inaccuracy" : "swing";

    private static MovePrediction[] Predict(OnnxMovePredictor model, List<EncodedPosition> positions, int size, Action<int, int>? progress)
    {
        var perPosition = InputPlanes.Count * size * size;
        var planes = new float[Math.Min(Batch, positions.Count) * perPosition];
        var predictions = new MovePrediction[positions.Count];
        for (var start = 0; start < positions.Count; start += Batch)
        {
            var count = Math.Min(Batch, positions.Count - start);
            for (var i = 0; i < count; i++)
            {
                InputPlanes.ToFloats(positions[start + i].Planes, planes.AsSpan(i * perPosition, perPosition));
            }
            model.Predict(planes, count).CopyTo(predictions, start);
            progress?.Invoke(start + count, positions.Count);
        }
        return predictions;
    }
}
