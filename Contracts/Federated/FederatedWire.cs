namespace OrleansGoRelay.Contracts.Federated;

// The federated rounds' wire contract (API.md, "Federated rounds"): what the operator, the relay trainers and the
// gateway exchange, and what crosses the round grains' calls (as JSON, see WireRecordSerialization). Byte payloads are
// base64 in JSON. Stages in order: ready → (advertising → sharing → masking → unmasking, with secure aggregation |
// training, without) → aggregating → completed or failed.

/// <summary>The round stages, as the API names them.</summary>
public static class RoundStages
{
    /// <summary>Participants say they have the model and data (<see cref="PeerReady"/>).</summary>
    public const string Ready = "ready";
    /// <summary>Secure aggregation, stage 0: public keys (<see cref="KeyAdvertisement"/>).</summary>
    public const string Advertising = "advertising";
    /// <summary>Secure aggregation, stage 1: encrypted shares of the secrets (<see cref="KeyShares"/>).</summary>
    public const string Sharing = "sharing";
    /// <summary>Secure aggregation, stage 2: masked updates (<see cref="MaskedUpdate"/>).</summary>
    public const string Masking = "masking";
    /// <summary>Secure aggregation, stage 3: shares that remove the masks (<see cref="UnmaskShares"/>).</summary>
    public const string Unmasking = "unmasking";
    /// <summary>Without secure aggregation: plain, compressed updates (<see cref="GradientSubmission"/>).</summary>
    public const string Training = "training";
    /// <summary>The server aggregates, evaluates and gates.</summary>
    public const string Aggregating = "aggregating";
    /// <summary>Done: a model version was registered (promoted or not).</summary>
    public const string Completed = "completed";
    /// <summary>Done without a model (too few participants, or refused).</summary>
    public const string Failed = "failed";

    /// <summary>Whether a round in <paramref name="stage"/> is over.</summary>
    public static bool IsFinished(string stage) => stage is Completed or Failed;
}

/// <summary>Differential privacy for a round (DP-FedAvg): the budget, the clip bound S, and z when set by hand.</summary>
/// <param name="Epsilon">The budget's ε over the planned rounds.</param>
/// <param name="Delta">The budget's δ.</param>
/// <param name="Clip">The L2 bound S each update is clipped to before it leaves the relay.</param>
/// <param name="NoiseMultiplier">z; null derives it from the budget over <paramref name="PlannedRounds"/>.</param>
/// <param name="PlannedRounds">Rounds the budget is spread over when z is derived.</param>
public sealed record PrivacySettings(double Epsilon, double Delta, double Clip, double? NoiseMultiplier = null, int PlannedRounds = 10);

/// <summary>What each relay does locally in a round.</summary>
/// <param name="Steps">SGD steps.</param>
/// <param name="BatchSize">Positions a step.</param>
/// <param name="LearningRate">Local learning rate.</param>
public sealed record LocalTrainingPlan(int Steps = 40, int BatchSize = 32, double LearningRate = 0.05);

/// <summary>An operator's request for a round (<c>POST /api/v1/fl/rounds</c>).</summary>
/// <param name="MinParticipants">The round proceeds with whoever answered if at least this many did.</param>
/// <param name="DeadlineSeconds">How long each stage waits for the participants still expected.</param>
/// <param name="Strategy">fedavg, trimmed-mean, krum, multi-krum, bulyan or median (fedavg only with privacy or secure aggregation).</param>
/// <param name="Privacy">Differential privacy, or null.</param>
/// <param name="SecureAggregation">Whether the server may see only the sum of the updates.</param>
/// <param name="MaxParticipants">How many eligible relays are sampled (by stake); null samples all.</param>
/// <param name="Local">The local training plan; null takes the cluster's default.</param>
/// <param name="Codec">How plain updates are compressed: int8, top-k or none.</param>
public sealed record RoundRequest(
    int MinParticipants = 2, int DeadlineSeconds = 60, string Strategy = "fedavg", PrivacySettings? Privacy = null,
    bool SecureAggregation = false, int? MaxParticipants = null, LocalTrainingPlan? Local = null, string Codec = "int8");

/// <summary>Secure aggregation's parameters, the same for every participant (<c>SecureAggregationConfig</c>).</summary>
/// <param name="Clients">Participants that were ready (client ids 0..n−1 in the order of <see cref="RoundStart.Participants"/> that were ready).</param>
/// <param name="Parameters">Floats in each masked vector (the model's, plus the weight and the clip flag).</param>
/// <param name="ClipRange">Each coordinate is clipped to ± this before fixed-point encoding.</param>
/// <param name="Neighbours">0 for the complete graph, else k of the Harary graph.</param>
/// <param name="Threshold">Shares needed to reconstruct a secret.</param>
/// <param name="GraphSeed">Seeds the graph.</param>
public sealed record SecureAggregationPlan(int Clients, int Parameters, double ClipRange, int Neighbours, int Threshold, long GraphSeed);

/// <summary>A round as it starts (the design's <c>RoundStart</c>).</summary>
/// <param name="RoundId">The round.</param>
/// <param name="ModelVersion">The registry hash of the model the round trains from.</param>
/// <param name="MinParticipants">The fewest answers the round proceeds with.</param>
/// <param name="Deadline">When the ready stage closes.</param>
/// <param name="Strategy">The aggregation rule.</param>
/// <param name="Privacy">Differential privacy, or null.</param>
/// <param name="SecureAggregation">Whether updates are masked.</param>
/// <param name="Participants">The sampled relays.</param>
/// <param name="Local">What each relay trains.</param>
/// <param name="Codec">How plain updates are compressed.</param>
/// <param name="StartedAt">When the round started.</param>
public sealed record RoundStart(
    string RoundId, string ModelVersion, int MinParticipants, DateTimeOffset Deadline, string Strategy, PrivacySettings? Privacy,
    bool SecureAggregation, IReadOnlyList<string> Participants, LocalTrainingPlan Local, string Codec, DateTimeOffset StartedAt);

/// <summary>A participant is ready: it has the round's model and data it may train on.</summary>
/// <param name="RelayId">The relay.</param>
/// <param name="GameCount">Consensus games it will train on.</param>
/// <param name="DataHash">SHA-256 (hex) over its sorted game ids (<see cref="FederatedSigning.DataHash"/>): the proof ties its update to that data.</param>
/// <param name="GameIds">The stamped games it trains on (ids only: the games stay on the relay); they must be stamps it may use.</param>
public sealed record PeerReady(string RelayId, int GameCount, string DataHash, IReadOnlyList<string>? GameIds = null);

/// <summary>How a relay's local training went (what the contribution score reads).</summary>
/// <param name="Examples">Positions it trained on.</param>
/// <param name="Steps">SGD steps.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="Accuracy">Training top-1.</param>
/// <param name="ComputeSeconds">Wall-clock training time.</param>
public sealed record UpdateMetrics(long Examples, int Steps, double Loss, double Accuracy, double ComputeSeconds);

/// <summary>A plain update (the design's <c>GradientSubmission</c>): the codec's bytes of Δ, signed by the relay's key.</summary>
/// <param name="RoundId">The round.</param>
/// <param name="Update">Δ encoded by <paramref name="Codec"/>.</param>
/// <param name="Codec">int8, top-k or none.</param>
/// <param name="Metrics">Its local training.</param>
/// <param name="Signature">ECDSA P-256 (IEEE P1363, base64) over <see cref="FederatedSigning.SubmissionBytes"/>.</param>
/// <param name="Proof">The data hash it declared when ready.</param>
public sealed record GradientSubmission(string RoundId, byte[] Update, string Codec, UpdateMetrics Metrics, string Signature, string Proof);

/// <summary>Secure aggregation, stage 0: a client's two public keys (P-256, SEC1 uncompressed), signed by the relay.</summary>
public sealed record KeyAdvertisement(int ClientId, byte[] EncryptionPublicKey, byte[] MaskingPublicKey, byte[]? Signature);

/// <summary>One client's shares for one neighbour, sealed with AES-GCM under their pairwise key.</summary>
public sealed record SealedShare(int Sender, int Recipient, byte[] Nonce, byte[] Ciphertext, byte[] Tag);

/// <summary>Secure aggregation, stage 1: the commitment to the self-mask seed and the sealed shares.</summary>
public sealed record KeyShares(int ClientId, byte[] SelfMaskCommitment, IReadOnlyList<SealedShare> Bundles);

/// <summary>Secure aggregation, stage 2: y_u in Z_2^32 (little-endian uint32s), with its training metrics and signature.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="Values">The masked vector.</param>
/// <param name="Metrics">Its local training.</param>
/// <param name="Signature">ECDSA over <see cref="FederatedSigning.SubmissionBytes"/> of the masked bytes.</param>
/// <param name="Proof">The data hash it declared when ready.</param>
public sealed record MaskedUpdate(int ClientId, byte[] Values, UpdateMetrics Metrics, string Signature, string Proof);

/// <summary>A revealed share of one owner's secret.</summary>
public sealed record RevealedSecret(int Owner, byte[] Value);

/// <summary>Secure aggregation, stage 3: self-mask shares of the survivors, masking-key shares of the dropped.</summary>
public sealed record UnmaskShares(int ClientId, IReadOnlyList<RevealedSecret> SelfMaskShares, IReadOnlyList<RevealedSecret> MaskingKeyShares);

/// <summary>
/// What one relay is asked for now in a round (<c>GET /api/v1/fl/rounds/{roundId}/task</c>), with what it needs to
/// answer: the key broadcast for sharing, its share bundles for masking, the survivors for unmasking.
/// </summary>
/// <param name="RoundId">The round.</param>
/// <param name="Stage">The round's stage.</param>
/// <param name="Participant">Whether this relay was sampled.</param>
/// <param name="Expected">Whether the round waits for this relay's message of this stage (false once it answered, or when it dropped out).</param>
/// <param name="ClientId">Its secure-aggregation client id, once the ready stage closed.</param>
/// <param name="Plan">Secure aggregation's parameters, once the ready stage closed.</param>
/// <param name="Advertisements">For sharing: the advertisements of the clients that advertised.</param>
/// <param name="Survivors">For masking and unmasking: the clients still in.</param>
/// <param name="Bundles">For masking: the sealed shares addressed to this client.</param>
/// <param name="ClipNorm">With privacy: the L2 bound to clip the update to.</param>
/// <param name="StageDeadline">When the stage closes.</param>
public sealed record RoundTask(
    string RoundId, string Stage, bool Participant, bool Expected, int? ClientId, SecureAggregationPlan? Plan,
    IReadOnlyList<KeyAdvertisement>? Advertisements, IReadOnlyList<int>? Survivors, IReadOnlyList<SealedShare>? Bundles,
    double? ClipNorm, DateTimeOffset StageDeadline);

/// <summary>A stage message accepted (durably: it survives a crash of the silo that answered).</summary>
/// <param name="RoundId">The round.</param>
/// <param name="Stage">The stage it was accepted in.</param>
/// <param name="Received">Messages of that stage so far.</param>
/// <param name="Expected">Messages that stage waits for.</param>
public sealed record StageReceipt(string RoundId, string Stage, int Received, int Expected);

/// <summary>A round's outcome (the design's <c>ModelUpdate</c>).</summary>
/// <param name="RoundId">The round.</param>
/// <param name="ModelVersion">The version it produced (null when it failed).</param>
/// <param name="ParticipantCount">Relays whose updates are in the aggregate.</param>
/// <param name="Promoted">Whether the gate promoted the version.</param>
/// <param name="Parent">The version the round trained from.</param>
public sealed record ModelUpdate(string RoundId, string? ModelVersion, int ParticipantCount, bool Promoted, string Parent);

/// <summary>A model's measured figures on the held-out validation positions.</summary>
/// <param name="Top1">Top-1 move prediction, %.</param>
/// <param name="Top5">Top-5, %, when measured.</param>
/// <param name="ValueAccuracy">Value head's accuracy on decided games, %, when measured.</param>
/// <param name="WinRate">Win rate against the parent, %, when measured.</param>
/// <param name="Loss">Policy cross-entropy.</param>
/// <param name="Positions">Validation positions.</param>
public sealed record ModelMetrics(double Top1, double? Top5, double? ValueAccuracy, double? WinRate, double Loss, int Positions);

/// <summary>How the gate judged a candidate against the promoted version.</summary>
/// <param name="Decision">promoted, rejected or first (the genesis version).</param>
/// <param name="Rule">margin, sprt or none.</param>
/// <param name="Top1Gain">Candidate top-1 minus the promoted one's, points.</param>
/// <param name="CandidateWins">Positions only the candidate got right.</param>
/// <param name="PromotedWins">Positions only the promoted version got right.</param>
/// <param name="LogLikelihoodRatio">The SPRT's statistic over those positions.</param>
/// <param name="Bounds">The SPRT's lower and upper bounds (ln β/(1−α), ln (1−β)/α).</param>
public sealed record GateReport(string Decision, string Rule, double Top1Gain, int CandidateWins, int PromotedWins, double LogLikelihoodRatio, double[] Bounds);

/// <summary>A contributor to a model version.</summary>
/// <param name="Id">Relay or player.</param>
/// <param name="Role">trainer (its update is in the aggregate), relay (carried games used), player (played them).</param>
/// <param name="Weight">Stamps or rounds.</param>
public sealed record VersionContributor(string Id, string Role, int Weight);

/// <summary>A net's shape: what a relay needs to lay the downloaded weights out.</summary>
public sealed record ModelShape(int BoardSize, int Blocks, int Channels, int ValueHidden);

/// <summary>A registry version (<c>GET /api/v1/models</c>).</summary>
public sealed record ModelVersionView(
    string ModelHash, int Version, string? Parent, string? Round, ModelMetrics Metrics, bool Promoted, DateTimeOffset CreatedAt,
    string Architecture, ModelShape Shape, int Parameters, IReadOnlyList<string> StampsUsed, IReadOnlyList<VersionContributor> Contributors,
    GateReport? Gate, double? EpsilonSpent, DateTimeOffset? PromotedAt);

/// <summary>One participant's part in a round (<c>GET /api/v1/fl/rounds/{roundId}</c>).</summary>
/// <param name="RelayId">The relay.</param>
/// <param name="ClientId">Its secure-aggregation id.</param>
/// <param name="Stages">The stages it answered.</param>
/// <param name="Status">waiting, answered, dropped, rejected or included.</param>
/// <param name="Reason">Why it was dropped or rejected.</param>
public sealed record RoundParticipantView(string RelayId, int? ClientId, IReadOnlyList<string> Stages, string Status, string? Reason);

/// <summary>A round as the API shows it.</summary>
public sealed record RoundView(
    RoundStart Start, string Stage, DateTimeOffset StageDeadline, IReadOnlyList<RoundParticipantView> Participants,
    int Submissions, ModelUpdate? Result, double? EpsilonSpent, string? FailureReason, DateTimeOffset? FinishedAt,
    IReadOnlyDictionary<string, double> StageSeconds, long BytesReceived, IReadOnlyDictionary<string, double>? ServerSeconds = null,
    IReadOnlyDictionary<string, long>? Settlement = null, string? Silo = null);

/// <summary>A relay's stake request (<c>POST /api/v1/relays/{relayId}/stake</c>, signed): base units moved from its wallet to its escrow, or back when negative.</summary>
public sealed record StakeRequest(long Amount, string RequestId);

/// <summary>A relay's stake.</summary>
public sealed record StakeView(string RelayId, long Staked, long Wallet);
