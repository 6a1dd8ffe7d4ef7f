using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>Seconds one round spent in each stage (all on this machine: clients' training is sequential in a simulation).</summary>
public sealed record StageSeconds(double Sampling, double Training, double Encoding, double Validation, double Privacy, double SecureAggregation, double Aggregation, double Evaluation, double Contributions)
{
    /// <summary>All stages together.</summary>
    public double Total => Sampling + Training + Encoding + Validation + Privacy + SecureAggregation + Aggregation + Evaluation + Contributions;
}

/// <summary>One round of a simulated run.</summary>
/// <param name="Round">The round, from 1.</param>
/// <param name="Sampled">Clients sampled.</param>
/// <param name="Answered">Clients whose update arrived.</param>
/// <param name="Dropped">Sampled clients that dropped out.</param>
/// <param name="Rejected">Updates the validation rejected.</param>
/// <param name="Flagged">Updates the validation flagged.</param>
/// <param name="RejectedMalicious">Of the rejected, how many came from attackers.</param>
/// <param name="Top1">Held-out top-1 move accuracy of the round's model.</param>
/// <param name="Loss">Held-out cross-entropy of the round's model.</param>
/// <param name="Epsilon">Privacy spent so far (ε at the run's δ), with differential privacy.</param>
/// <param name="ClipNorm">The clipping bound used this round, with differential privacy.</param>
/// <param name="NoiseStd">The Gaussian noise's deviation per coordinate of the aggregate, with differential privacy.</param>
/// <param name="BytesUp">Bytes clients sent (updates as encoded, or masked inputs and key messages).</param>
/// <param name="BytesDown">Bytes the server sent (the model to each sampled client).</param>
/// <param name="Seconds">Time per stage.</param>
/// <param name="Refused">Why the round produced no model (too few survivors to unmask), or null.</param>
/// <param name="Checks">With <c>--validate</c>, the validator's examination of each update (norm, distance, loss change, score, verdict).</param>
public sealed record RoundReport(
    int Round, int Sampled, int Answered, int Dropped, int Rejected, int Flagged, int RejectedMalicious, double Top1, double Loss,
    double? Epsilon, double? ClipNorm, double? NoiseStd, long BytesUp, long BytesDown, StageSeconds Seconds, string? Refused = null,
    IReadOnlyList<Validation.UpdateCheck>? Checks = null);

/// <summary>One client over the run.</summary>
public sealed record ClientSummary(
    string ClientId, int Games, int Positions, bool Malicious, int RoundsSampled, int RoundsAnswered, int Rejected, int Flagged,
    double ComputeSeconds, long BytesTransmitted, double MeanCosineToCentre, double Shapley);

/// <summary>What a simulated run did and reached; <c>gorelay fl simulate</c> writes it as JSON.</summary>
/// <param name="Options">The run's options.</param>
/// <param name="Parameters">Floats in the model's vector.</param>
/// <param name="Population">Clients in the federation.</param>
/// <param name="TrainingPositions">Positions the clients hold together.</param>
/// <param name="ValidationPositions">Held-out positions measured.</param>
/// <param name="InitialTop1">Held-out top-1 before the first round.</param>
/// <param name="InitialLoss">Held-out cross-entropy before the first round.</param>
/// <param name="Rounds">Each round.</param>
/// <param name="Clients">Each client.</param>
/// <param name="NoiseMultiplier">z, with differential privacy.</param>
/// <param name="Settlement">A 1,000,000-unit contribution pool settled by the ledger's 80 % / 20 % / quality-bonus rule.</param>
/// <param name="StoppedBecause">Why the run ended before its last round, if it did.</param>
/// <param name="Seconds">Wall time of the run.</param>
/// <param name="FinalModelSha256">SHA-256 of the final weight vector (little-endian floats): equal runs, equal hashes.</param>
public sealed record SimulationReport(
    SimulationOptions Options, int Parameters, int Population, long TrainingPositions, int ValidationPositions, double InitialTop1, double InitialLoss,
    IReadOnlyList<RoundReport> Rounds, IReadOnlyList<ClientSummary> Clients, double? NoiseMultiplier, IReadOnlyList<SplitLeg> Settlement,
    string? StoppedBecause, double Seconds, string FinalModelSha256)
{
    /// <summary>The last round's held-out top-1 (the initial one when no round ran).</summary>
    public double FinalTop1 => Rounds.Count > 0 ? Rounds[^1].Top1 : InitialTop1;
}
