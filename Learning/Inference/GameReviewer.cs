using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>
/// Reviews a game with the analyser and the model: the analyser's influence evaluation finds the swings (points moved
/// against the mover), the class and the phases; the model gives, for every position, its legal first choice, the
/// probability it gave the move played, and the value head's estimate, so each critical move comes with what the model
/// would have played. The value series is reported as it is rather than used to find the swings: the shipped
/// baseline's value head is nearly flat (see <see cref="ValueNetEvaluator.Calibrated"/>), its policy is not.
/// </summary>
public static class GameReviewer
{
    private const int Batch = 64;

    /// <summary>The review of <paramref name="record"/> by <paramref name="model"/> (up to the record's first illegal move).</summary>
    public static GameReview Review(OnnxMovePredictor model, GameRecord record, string modelVersion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(record);
        if (record.Size != model.BoardSize)
        {
            throw new PositionRefusedException("wrong_board_size", $"The model plays {model.BoardSize}x{model.BoardSize}; the game is {record.Size}x{record.Size}.");
        }
        var analysis = new GameAnalyzer(new InfluenceEvaluator()).Analyze(record);
        var boards = new List<(Board Board, Color ToMove)>();
        var positions = GamePositions.Sequence(record, (board, toMove) => boards.Add((board.Clone(), toMove))).ToList();
        var moves = positions.Count(p => p.Next is not null);
        var predictions = Predict(model, positions, record.Size);

        var blackWins = new List<double>(moves);
        var agreed = new Dictionary<Color, (int Same, int All)> { [Color.Black] = (0, 0), [Color.White] = (0, 0) };
        var choices = new (string Best, double BestProbability, double PlayedProbability)[moves];
        for (var i = 0; i < moves; i++)
        {
            var (board, toMove) = boards[i];
            var distribution = LegalPolicy.Distribution(board, toMove, predictions[i]);
            var best = distribution.MaxBy(m => m.Probability)!;
            var played = positions[i].Next!.Value;
            var playedVertex = played.Point.ToGtp(record.Size);
            choices[i] = (best.Move, best.Probability, distribution.FirstOrDefault(m => m.Move == playedVertex)?.Probability ?? 0);
            var (same, all) = agreed[played.Player];
            agreed[played.Player] = (same + (best.Move == playedVertex ? 1 : 0), all + 1);
            var after = predictions[i + 1];
            var moverAfter = positions[i + 1].ToMove;
            blackWins.Add(Math.Round(Math.Clamp(((moverAfter == Color.Black ? after.Value : -after.Value) + 1) / 2, 0, 1), 4));
        }

        var mistakes = analysis.TurningPoints
            .Where(t => t.MoveNumber >= 1 && t.MoveNumber <= moves)
            .Select(t =>
            {
                var (best, bestProbability, playedProbability) = choices[t.MoveNumber - 1];
                return new ReviewedMove(t.MoveNumber, t.Move.Player.ToLetter().ToString(), t.Move.Point.ToGtp(record.Size), Math.Round(t.Swing, 2), t.MistakeType, t.Phase,
                    best, Math.Round(bestProbability, 4), Math.Round(playedProbability, 4));
            })
            .OrderByDescending(m => m.Swing)
            .ToList();
        return new GameReview(moves, record.Result.ToString(), analysis.Class.ToString().ToLowerInvariant(), mistakes.FirstOrDefault(), mistakes, blackWins,
            agreed.ToDictionary(a => a.Key.ToLetter().ToString(), a => a.Value.All == 0 ? 0 : Math.Round(a.Value.Same / (double)a.Value.All, 4)), modelVersion, 0);
    }

    private static MovePrediction[] Predict(OnnxMovePredictor model, List<EncodedPosition> positions, int size)
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
        }
        return predictions;
    }
}
