using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>
/// The game analyser's evaluator backed by the network's value head: Black's expected outcome (−1..1) for the start and
/// the position after every move, in batches. The net has no score or ownership head, so the margin and ownership the
/// phases, balance and review read come from <see cref="InfluenceEvaluator"/>; the classification's swings come from
/// the value. The net never sees komi (it learnt on 6.5–7.5), so a game with another komi is judged as if it had that.
/// </summary>
public sealed class ValueNetEvaluator(OnnxMovePredictor model) : IGameEvaluator
{
    private const int Batch = 64;

    /// <summary>
    /// Calibrated with <c>gorelay classify ../shared/data/fox-pro.sgf.gz --evaluator value --calibrate --every 10</c>
    /// (1,035 games) with the shipped baseline (<c>models/baseline/model-int8.onnx</c>, step 4,000, sha256 83132665…):
    /// teaching variance below 0.00029, the 93rd percentile of the 632 pro-versus-amateur handicap games. This
    /// baseline's value head is nearly flat (swing variance p50 0.00017, a standard deviation of 0.013 per move): no even
    /// game's smoothed value left ±0.1, let alone ±0.5, so no lead changes to calibrate the dogfight line on, and it
    /// stays at 0.05, which no game reaches. Until a stronger value head, dogfights come from the influence evaluator.
    /// Recalibrate with the command above when the model changes: the thresholds belong to the model.
    /// </summary>
    public static ClassificationThresholds Calibrated { get; } = new(
        TeachingMinDifferential: 200, TeachingMaxVariance: 0.00029, DogfightMaxDifferential: 50, DogfightMinVariance: 0.05, LeadBand: 0.5);

    /// <inheritdoc />
    public string Name => "value";

    /// <inheritdoc />
    public ClassificationThresholds Thresholds { get; init; } = Calibrated;

    /// <inheritdoc />
    public IReadOnlyList<PositionEvaluation> EvaluateGame(GameRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Size != model.BoardSize)
        {
            throw new ArgumentException($"The model plays {model.BoardSize}x{model.BoardSize}; this game is {record.Size}x{record.Size}.", nameof(record));
        }
        var influence = new InfluenceEvaluator().EvaluateGame(record);
        var positions = GamePositions.Sequence(record).Take(influence.Count).ToList();
        var perPosition = InputPlanes.Count * record.Size * record.Size;
        var planes = new float[Math.Min(Batch, positions.Count) * perPosition];
        var evaluations = new List<PositionEvaluation>(positions.Count);
        for (var start = 0; start < positions.Count; start += Batch)
        {
            var count = Math.Min(Batch, positions.Count - start);
            for (var i = 0; i < count; i++)
            {
                InputPlanes.ToFloats(positions[start + i].Planes, planes.AsSpan(i * perPosition, perPosition));
            }
            var predictions = model.Predict(planes, count);
            for (var i = 0; i < count; i++)
            {
                var index = start + i;
                var forBlack = positions[index].ToMove == Color.Black ? predictions[i].Value : -predictions[i].Value;
                evaluations.Add(influence[index] with { BlackValue = forBlack });
            }
        }
        return evaluations;
    }
}
