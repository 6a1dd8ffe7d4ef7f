using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Training;

/// <summary>
/// A fixed sample of positions from one part of the split: the held-out positions a run measures at every checkpoint,
/// or training positions (int8 calibration, which must not see the positions it is measured on).
/// </summary>
public sealed class PositionSample
{
    private readonly int _size;
    private readonly List<TrainingPosition> _positions;

    private PositionSample(int size, List<TrainingPosition> positions)
    {
        _size = size;
        _positions = positions;
    }

    /// <summary>The number of positions.</summary>
    public int Count => _positions.Count;

    /// <summary>
    /// Up to <paramref name="count"/> positions from <paramref name="files"/>' <paramref name="part"/> (validation unless
    /// said): every 7th position of each game, so the sample spans many games and every phase.
    /// </summary>
    public static PositionSample Load(IReadOnlyList<string> files, int size, GameSplit split, int count, DataPart part = DataPart.Validation)
    {
        var positions = new List<TrainingPosition>();
        if (count > 0)
        {
            foreach (var game in GameCollections.Read(files, size, split, part))
            {
                positions.AddRange(GamePositions.Of(game).Where(p => p.MoveNumber % 7 == 1));
                if (positions.Count >= count)
                {
                    break;
                }
            }
        }
        return new PositionSample(size, positions.Take(count).ToList());
    }

    /// <summary>The positions' planes as floats, one after another (symmetry 0), for a batch.</summary>
    public float[] FloatPlanes()
    {
        var perPosition = InputPlanes.Count * _size * _size;
        var planes = new float[_positions.Count * perPosition];
        for (var i = 0; i < _positions.Count; i++)
        {
            InputPlanes.ToFloats(_positions[i].Planes, planes.AsSpan(i * perPosition, perPosition));
        }
        return planes;
    }

    /// <summary>The positions.</summary>
    public IReadOnlyList<TrainingPosition> Positions => _positions;

    /// <summary>Top-1 and top-5 move accuracy of <paramref name="net"/> (in evaluation mode, then back to training mode).</summary>
    public (double Top1, double Top5) Measure(PolicyValueNet net)
    {
        ArgumentNullException.ThrowIfNull(net);
        const int batch = 256;
        var perPosition = InputPlanes.Count * _size * _size;
        long top1 = 0, top5 = 0;
        net.eval();
        using (no_grad())
        {
            for (var start = 0; start < _positions.Count; start += batch)
            {
                var count = Math.Min(batch, _positions.Count - start);
                var planes = new float[count * perPosition];
                var moves = new long[count];
                for (var i = 0; i < count; i++)
                {
                    var position = _positions[start + i];
                    InputPlanes.ToFloats(position.Planes, planes.AsSpan(i * perPosition, perPosition));
                    moves[i] = position.Move;
                }
                using var scope = NewDisposeScope();
                var (policy, _) = net.forward(tensor(planes, [count, InputPlanes.Count, _size, _size]));
                var targets = tensor(moves);
                top1 += policy.argmax(1).eq(targets).sum().item<long>();
                var best5 = policy.topk((int)Math.Min(5, policy.shape[1])).indexes;
                top5 += best5.eq(targets.unsqueeze(1)).any(1).sum().item<long>();
            }
        }
        net.train();
        return _positions.Count == 0 ? (0, 0) : ((double)top1 / _positions.Count, (double)top5 / _positions.Count);
    }
}
