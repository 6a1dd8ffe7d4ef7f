using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Federated.Validation;

/// <summary>A model's move accuracy and loss on a shard.</summary>
/// <param name="Top1">Share of positions whose played move is the model's first choice.</param>
/// <param name="Loss">Mean cross-entropy of the played move.</param>
public sealed record ShardScore(double Top1, double Loss);

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
        _layout.Write(_net, vector);
        var size = _layout.Config.BoardSize;
        var perPosition = InputPlanes.Count * size * size;
        long correct = 0;
        double loss = 0;
        using var noGrad = no_grad();
        for (var start = 0; start < _moves.Length; start += Batch)
        {
            var count = Math.Min(Batch, _moves.Length - start);
            using var scope = NewDisposeScope();
            var input = tensor(_planes.AsSpan(start * perPosition, count * perPosition).ToArray(), [count, InputPlanes.Count, size, size]);
            var targets = tensor(_moves.AsSpan(start, count).ToArray());
            var (policy, _) = _net.forward(input);
            correct += policy.argmax(1).eq(targets).sum().item<long>();
            loss += nn.functional.cross_entropy(policy, targets, reduction: nn.Reduction.Sum).item<float>();
        }
        return new ShardScore((double)correct / _moves.Length, loss / _moves.Length);
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
