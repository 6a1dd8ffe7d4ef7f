
namespace OrleansGoRelay.Grains.Stamps;

/// <summary>One consensus game's training stamp (key: the game id).</summary>
[Alias("gorelay.ITrainingStampGrain")]
public interface ITrainingStampGrain : IGrainWithStringKey
{
    /// <summary>
    /// Stamps the game for a relay that carried it: the relay pays the deposit into escrow and gains a point of
    /// reputation. Null when the game already has a stamp; refused (no_consensus, not_your_game, exceeds_credits) otherwise.
    /// </summary>
    Task<TrainingStamp?> Stamp(string relayId);

    /// <summary>The stamp, or null.</summary>
    Task<TrainingStamp?> GetStamp();
}

/// <summary>A model submission's answer.</summary>
/// <param name="Model">The model as recorded.</param>
/// <param name="Created">Whether this submission recorded it (false for a repeat).</param>
[GenerateSerializer, Immutable, Alias("gorelay.ModelSubmitted")]
public sealed record ModelSubmitted(ModelRecord Model, bool Created);

/// <summary>The stamp market: batches, listings, burns and models. Any key works; by convention <see cref="Key"/>.</summary>
[Alias("gorelay.IStampMarketGrain")]
public interface IStampMarketGrain : IGrainWithStringKey
{
    /// <summary>The conventional key.</summary>
    const string Key = "stamps";

    /// <summary>Stamps the consensus games of a batch and pays the batch's subsidies.</summary>
    Task<StampBatchResult> SubmitBatch(string relayId, IReadOnlyList<StampSubmission> games);

    /// <summary>The stamps a relay may use (newest first), a page at a time.</summary>
    Task<IReadOnlyList<TrainingStamp>> StampsOf(string relayId, int page, int pageSize);

    /// <summary>A relay's own active stamps old enough to burn (oldest first), a page at a time.</summary>
    Task<IReadOnlyList<TrainingStamp>> BurnableStampsOf(string relayId, int page, int pageSize);

    /// <summary>Burns stamps the relay owns; all are checked first (unknown_stamp, stamp_not_owned, stamp_too_young), then each is burned once.</summary>
    Task<BurnResult> Burn(string relayId, IReadOnlyList<string> stampIds);

    /// <summary>Records a model trained on stamps the relay may access; an identical repeat returns the record with <c>Created</c> false.</summary>
    Task<ModelSubmitted> SubmitModel(string relayId, ModelSubmission model);

    /// <summary>A model, or null.</summary>
    Task<ModelRecord?> GetModel(string modelHash);
}
