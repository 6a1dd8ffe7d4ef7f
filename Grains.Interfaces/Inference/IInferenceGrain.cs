using OrleansGoRelay.Contracts.Inference;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>
/// Move prediction with the promoted model (a stateless worker: an activation per silo and core as load asks, all
/// sharing the silo's ONNX Runtime sessions and their batching). Charging is the caller's: this answers with
/// <see cref="PredictAnswer.Charged"/> = 0.
/// </summary>
public interface IInferenceGrain : IGrainWithIntegerKey
{
    /// <summary>The suggestion for a position; a position that cannot occur is refused (400/422 problem codes).</summary>
    Task<PredictAnswer> Predict(PredictRequest request);

    /// <summary>A game's review: the analyser's swings with the model's move at each, its agreement and value series (400 <c>invalid_sgf</c> for a record that does not parse).</summary>
    Task<GameReview> Review(GameReviewRequest request);

    /// <summary>As <see cref="Review"/>, with progress: an update after each batch of positions the model reads, then one with the review.</summary>
    IAsyncEnumerable<GameReviewUpdate> ReviewWithProgress(GameReviewRequest request);

    /// <summary>A player's style over their games, move quality measured by the model's policy (400 <c>invalid_sgf</c> for a record that does not parse).</summary>
    Task<PlayerStyleAnswer> Style(PlayerStyleRequest request);

    /// <summary>A position's territory: the analyser's ownership map and the model's win probability (the position checked as for <see cref="Predict"/>).</summary>
    Task<TerritoryEstimate> EstimateTerritory(PredictRequest request);
}
