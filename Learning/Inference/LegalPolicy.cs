using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>The model's policy restricted to the moves the rules allow: what every answer that suggests a move reads.</summary>
public static class LegalPolicy
{
    /// <summary>
    /// The softmax of <paramref name="prediction"/>'s logits over the legal moves of <paramref name="toMove"/> on
    /// <paramref name="board"/> (pass always is one), in board order.
    /// </summary>
    public static IReadOnlyList<MoveProbability> Distribution(Board board, Color toMove, MovePrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(prediction);
        var size = board.Size;
        var legal = new List<(int Index, float Logit)>();
        for (var i = 0; i < size * size; i++)
        {
            if (board.Check(toMove, board.IndexOf(InputPlanes.PointOf(i, size))) == MoveLegality.Legal)
            {
                legal.Add((i, prediction.Policy[i]));
            }
        }
        legal.Add((size * size, prediction.Policy[size * size]));
        var max = legal.Max(l => l.Logit);
        var weights = legal.Select(l => Math.Exp(l.Logit - max)).ToArray();
        var total = weights.Sum();
        return [.. legal.Select((l, k) => new MoveProbability(InputPlanes.PointOf(l.Index, size).ToGtp(size), weights[k] / total))];
    }
}
