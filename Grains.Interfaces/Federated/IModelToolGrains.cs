using OrleansGoRelay.Contracts.Federated;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// Trains a registry version on a client's own games and returns the update a round would take, without the games
/// leaving the call (a stateless worker, one at a time per silo: training is CPU-bound and bounded in steps and size).
/// </summary>
public interface ILocalTrainingGrain : IGrainWithIntegerKey
{
    /// <summary>The run's update and metrics; 400/413 for games that do not parse, are of another size or exceed the bounds.</summary>
    Task<LocalTrainingAnswer> Train(LocalTrainingRequest request);
}

/// <summary>
/// Verifies a version against its parent and the round that made it: the hashes recomputed from the stored weights, the
/// lineage, every signature in the round's log, and the aggregate recomputed from that log (the same deterministic
/// server step, noise seed included) against the new version's weights; then the improvement on held-out positions.
/// </summary>
public interface IModelVerifierGrain : IGrainWithIntegerKey
{
    /// <summary>The verification; 404 when a version or the round is unknown.</summary>
    Task<ModelVerification> Verify(ModelVerificationRequest request);
}
