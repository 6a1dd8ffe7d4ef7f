using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Federated.Validation;

/// <summary>A model's move accuracy and loss on a shard.</summary>
/// <param name="Top1">Share of positions whose played move is the model's first choice.</param>
/// <param name="Loss">Mean cross-entropy of the played move.</param>
public sealed record ShardScore(double Top1, double Loss);

/// <summary>A model's full figures on a shard, with which positions it got right (what the promotion gate compares).</summary>
/// <param name="Top1">Share of positions whose played move is the model's first choice.</param>
/// <param name="Top5">Share whose played move is among its five first choices.</param>
/// <param name="Loss">Mean cross-entropy of the played move.</param>
/// <param name="Correct">Per position, whether the first choice was the played move.</param>
public sealed record ShardEvaluation(double Top1, double Top5, double Loss, bool[] Correct);

/// <summary>
/// Positions the server holds back to judge weight vectors: the held-out games of the split (never trained on), planes
/// converted once, scored by one reusable net of the layout (evaluation mode: batch norms use their running statistics,
/// which are part of the vector).
/// </summary>
public sealed class ValidationShard : IDisposable
{
    private const int Batch = 256;
    private readonly ParameterLayout _layout;
    private readonly float[] _planes;
    private readonly long[] _moves;
    private readonly PolicyValueNet _net;

    public ValidationShard(ParameterLayout layout, IReadOnlyList<TrainingPosition> positions)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count == 0)
        {
            throw new ArgumentException("A validation shard needs positions.", nameof(positions));
        }
        _layout = layout;
        var size = layout.Config.BoardSize;
        var perPosition = InputPlanes.Count * size * size;
        _planes = new float[positions.Count * perPosition];
        _moves = new long[positions.Count];
        for (var i = 0; i < positions.Count; i++)
        {
            InputPlanes.ToFloats(positions[i].Planes, _planes.AsSpan(i * perPosition, perPosition));
            _moves[i] = positions[i].Move;
        }
        _net = new PolicyValueNet(layout.Config);
        _net.eval();
    }

    /// <summary>Positions in the shard.</summary>
    public int Count => _moves.Length;

    /// <summary>Scores the weights <paramref name="vector"/> (laid out as the shard's layout).</summary>
    public ShardScore Score(float[] vector)
    {
        var (top1, _, loss, _) = Run(vector, detailed: false);
        return new ShardScore(top1, loss);
    }

    /// <summary>Top-1, top-5, loss and per-position correctness of <paramref name="vector"/>.</summary>
    public ShardEvaluation Evaluate(float[] vector)
    {
        var (top1, top5, loss, correct) = Run(vector, detailed: true);
        return new ShardEvaluation(top1, top5, loss, correct!);
    }

    private (double Top1, double Top5, double Loss, bool[]? Correct) Run(float[] vector, bool detailed)
    {
        _layout.Write(_net, vector);
        var size = _layout.Config.BoardSize;
        var perPosition = InputPlanes.Count * size * size;
        long correct = 0, inTop5 = 0;
        double loss = 0;
        var flags = detailed ? new bool[_moves.Length] : null;
        using var noGrad = no_grad();
        for (var start = 0; start < _moves.Length; start += Batch)
        {
            var count = Math.Min(Batch, _moves.Length - start);
            using var scope = NewDisposeScope();
            var input = tensor(_planes.AsSpan(start * perPosition, count * perPosition).ToArray(), [count, InputPlanes.Count, size, size]);
            var targets = tensor(_moves.AsSpan(start, count).ToArray());
            var (policy, _) = _net.forward(input);
            var hits = policy.argmax(1).eq(targets);
            correct += hits.sum().item<long>();
            loss += nn.functional.cross_entropy(policy, targets, reduction: nn.Reduction.Sum).item<float>();
            if (flags is not null)
            {
                var hitArray = hits.data<bool>().ToArray();
                hitArray.CopyTo(flags, start);
                var top = policy.topk(Math.Min(5, (int)policy.shape[1])).indexes;
                inTop5 += top.eq(targets.unsqueeze(1)).any(1).sum().item<long>();
            }
        }
        return ((double)correct / _moves.Length, (double)inTop5 / _moves.Length, loss / _moves.Length, flags);
    }

    /// <summary>Scores <paramref name="weights"/> + <paramref name="delta"/>.</summary>
    public ShardScore ScoreWith(float[] weights, float[] delta)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var moved = (float[])weights.Clone();
        VectorMath.AddScaled(moved, delta, 1f);
        return Score(moved);
    }

    public void Dispose() => _net.Dispose();
}
