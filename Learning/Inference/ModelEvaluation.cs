using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>A stretch of the game, for accuracy by phase.</summary>
/// <param name="Name">What it is called.</param>
/// <param name="FirstMove">Its first move number.</param>
/// <param name="LastMove">Its last move number.</param>
public sealed record GamePhase(string Name, int FirstMove, int LastMove)
{
    /// <summary>Opening (moves 1–50), middle game (51–150), endgame (151 on).</summary>
    public static readonly IReadOnlyList<GamePhase> Standard =
        [new("opening (1-50)", 1, 50), new("middle game (51-150)", 51, 150), new("endgame (151-)", 151, int.MaxValue)];
}

/// <summary>Counts of one slice of an evaluation.</summary>
public sealed class AccuracyCounts
{
    /// <summary>Positions seen.</summary>
    public long Positions { get; private set; }

    /// <summary>Positions whose move was the model's first choice.</summary>
    public long Top1 { get; private set; }

    /// <summary>... among its first three.</summary>
    public long Top3 { get; private set; }

    /// <summary>... among its first five.</summary>
    public long Top5 { get; private set; }

    /// <summary>Positions of decided games.</summary>
    public long Decided { get; private set; }

    /// <summary>Decided positions whose value had the outcome's sign.</summary>
    public long ValueRight { get; private set; }

    internal void Add(int rank, float value, TrainingPosition position)
    {
        Positions++;
        Top1 += rank < 1 ? 1 : 0;
        Top3 += rank < 3 ? 1 : 0;
        Top5 += rank < 5 ? 1 : 0;
        if (position.HasOutcome && position.Outcome != 0)
        {
            Decided++;
            ValueRight += Math.Sign(value) == Math.Sign(position.Outcome) ? 1 : 0;
        }
    }
}

/// <summary>
/// Measures a model on game records: top-1/3/5 move accuracy, value accuracy (the sign of the value against the
/// game's outcome), and both by game phase. Every position of every game is measured, batched.
/// </summary>
public sealed class ModelEvaluation(OnnxMovePredictor model, int batchSize = 64)
{
    /// <summary>All positions.</summary>
    public AccuracyCounts Overall { get; } = new();

    /// <summary>By <see cref="GamePhase.Standard"/>.</summary>
    public IReadOnlyDictionary<GamePhase, AccuracyCounts> ByPhase { get; } = GamePhase.Standard.ToDictionary(p => p, _ => new AccuracyCounts());

    /// <summary>Games measured.</summary>
    public long Games { get; private set; }

    /// <summary>Measures every position of <paramref name="games"/>; <paramref name="progress"/> after each batch.</summary>
    public void Add(IEnumerable<GameRecord> games, Action<ModelEvaluation>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(games);
        var size = model.BoardSize;
        var perPosition = InputPlanes.Count * size * size;
        var planes = new float[batchSize * perPosition];
        var pending = new List<TrainingPosition>(batchSize);
        void Flush()
        {
            if (pending.Count == 0)
            {
                return;
            }
            var predictions = model.Predict(planes, pending.Count);
            for (var i = 0; i < pending.Count; i++)
            {
                var position = pending[i];
                var logits = predictions[i].Policy;
                var target = logits[position.Move];
                var rank = logits.Count(l => l > target);
                Overall.Add(rank, predictions[i].Value, position);
                ByPhase.First(p => position.MoveNumber >= p.Key.FirstMove && position.MoveNumber <= p.Key.LastMove).Value.Add(rank, predictions[i].Value, position);
            }
            pending.Clear();
            progress?.Invoke(this);
        }
        foreach (var game in games)
        {
            if (game.Size != size)
            {
                continue;
            }
            Games++;
            foreach (var position in GamePositions.Of(game))
            {
                InputPlanes.ToFloats(position.Planes, planes.AsSpan(pending.Count * perPosition, perPosition));
                pending.Add(position);
                if (pending.Count == batchSize)
                {
                    Flush();
                }
            }
        }
        Flush();
    }
}
