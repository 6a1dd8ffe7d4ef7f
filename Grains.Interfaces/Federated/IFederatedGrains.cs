using OrleansGoRelay.Contracts.Federated;

namespace OrleansGoRelay.Grains.Federated;

// The federated rounds' grains. Their arguments are the wire records of OrleansGoRelay.Contracts.Federated, which
// cross grain calls as JSON (WireRecordSerialization), so the gateway, the relay trainer and the grains share one shape.

/// <summary>
/// The cluster's round scheduler (a singleton, key <see cref="ISingletonGrain.Key"/>): numbers rounds, keeps at most one
/// open, samples its participants (healthy relays with FL enabled and enough stake, weighted by stake) and keeps the
/// open round moving after a silo crash (the singleton keeper calls it every second on a survivor).
/// </summary>
public interface IRoundSchedulerGrain : ISingletonGrain
{
    /// <summary>Starts a round; refused (409 <c>round_open</c>) while one is open, 422 <c>too_few_participants</c> when fewer relays are eligible than it needs.</summary>
    Task<RoundStart> StartRound(RoundRequest request);

    /// <summary>The open round, or null.</summary>
    [AlwaysInterleave] // a read of the store; relays poll it every second
    Task<RoundStart?> OpenRound();

    /// <summary>The rounds, newest first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<RoundStart>> Rounds(int limit);

    /// <summary>A round finished (the round grain tells the scheduler, so the next may start).</summary>
    Task RoundFinished(string roundId);
}

/// <summary>What the scheduler fixes for a round besides its <see cref="RoundStart"/>.</summary>
/// <param name="Number">The round's number.</param>
/// <param name="SamplingRate">Sampled over eligible relays (the privacy accountant's q).</param>
/// <param name="Population">Eligible relays.</param>
/// <param name="ClipNorm">With privacy: the L2 bound this round's relays clip to (adaptive across rounds).</param>
[GenerateSerializer, Immutable, Alias("gorelay.RoundSetup")]
public sealed record RoundSetup([property: Id(0)] int Number, [property: Id(1)] double SamplingRate, [property: Id(2)] long Population, [property: Id(3)] double? ClipNorm);

/// <summary>
/// One federated round (key: the round id), running the protocol of <c>RoundProtocol</c>: every accepted message is
/// written to the round's log before it is acknowledged, so after SIGKILL of its silo the round resumes on a survivor
/// by replaying the log, with its deadlines unchanged.
/// </summary>
public interface IFederatedRoundGrain : IGrainWithStringKey
{
    /// <summary>Creates the round (idempotent for the same start).</summary>
    Task<RoundStart> Begin(RoundStart start, RoundSetup setup);

    /// <summary>The round, or null when there is none by this id.</summary>
    [AlwaysInterleave] // a read; it must not wait behind the round's aggregation
    Task<RoundView?> View();

    /// <summary>What <paramref name="relayId"/> is asked for now.</summary>
    [AlwaysInterleave] // a read; relays poll it while the round aggregates
    Task<RoundTask> TaskFor(string relayId);

    /// <summary>A participant's message of kind ready, keys, shares, masked, unmask or update (its wire record as JSON); durable once answered.</summary>
    Task<StageReceipt> Receive(string relayId, string kind, byte[] body);

    /// <summary>Closes a stage whose deadline passed or whose participants all answered, and aggregates once the last closed; returns the stage.</summary>
    Task<string> Advance();

    /// <summary>The round's outcome once it finished, else null.</summary>
    [AlwaysInterleave]
    Task<ModelUpdate?> Outcome();
}

/// <summary>
/// The model registry (key <see cref="Key"/>): every version with its parent, round, hash, stamps, contributors and
/// metrics; the promoted one serves. Created with its genesis version on first use.
/// </summary>
public interface IModelRegistryGrain : IGrainWithStringKey
{
    /// <summary>The registry's key.</summary>
    const string Key = "registry";

    /// <summary>The promoted version.</summary>
    Task<ModelVersionView> Current();

    /// <summary>Versions, newest first.</summary>
    Task<IReadOnlyList<ModelVersionView>> Versions(int limit);

    /// <summary>A version, or null.</summary>
    Task<ModelVersionView?> Version(string modelHash);

    /// <summary>A version's ONNX file, or null.</summary>
    Task<byte[]?> Onnx(string modelHash);

    /// <summary>A version's weights (float32 little-endian in the layout's order), or null.</summary>
    Task<byte[]?> Weights(string modelHash);
}
