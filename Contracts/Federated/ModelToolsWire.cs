namespace OrleansGoRelay.Contracts.Federated;

/// <summary>A local training run on a client's own games (the MCP tool <c>train_local</c>).</summary>
/// <param name="Games">SGF records of the model's board size.</param>
/// <param name="Steps">Optimiser steps (bounded by the server).</param>
/// <param name="BatchSize">Positions per step.</param>
/// <param name="LearningRate">SGD learning rate.</param>
/// <param name="ModelVersion">The version to start from (default: the promoted one).</param>
public sealed record LocalTrainingRequest(IReadOnlyList<string> Games, int? Steps = null, int? BatchSize = null, double? LearningRate = null, string? ModelVersion = null);

/// <summary>What a local training run produced: the update a round would take, and how it was trained.</summary>
/// <param name="BaseVersion">The version trained from.</param>
/// <param name="Codec">The update's encoding (int8: per-tensor symmetric quantisation).</param>
/// <param name="Update">The encoded Δ (base64 in JSON).</param>
/// <param name="UpdateSha256">SHA-256 of <paramref name="Update"/>, hex.</param>
/// <param name="Parameters">Coordinates in Δ.</param>
/// <param name="UpdateNorm">‖Δ‖₂.</param>
/// <param name="Games">Games read.</param>
/// <param name="Positions">Positions trained on.</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Loss">Mean training loss over the steps.</param>
/// <param name="Accuracy">Top-1 move accuracy on the training batches, 0..1.</param>
/// <param name="LossBefore">Loss of the base version on the client's positions.</param>
/// <param name="LossAfter">Loss after applying Δ on the same positions.</param>
/// <param name="Seconds">Wall time of the training.</param>
public sealed record LocalTrainingAnswer(
    string BaseVersion, string Codec, byte[] Update, string UpdateSha256, int Parameters, double UpdateNorm, int Games, int Positions, int Steps,
    double Loss, double Accuracy, double LossBefore, double LossAfter, double Seconds);

/// <summary>A model version to verify against its parent and the round that made it (the MCP tool <c>verify_model</c>).</summary>
/// <param name="OldVersion">The parent version's hash.</param>
/// <param name="NewVersion">The version the round produced.</param>
/// <param name="RoundId">The round whose aggregation record is checked.</param>
public sealed record ModelVerificationRequest(string OldVersion, string NewVersion, string RoundId);

/// <summary>One check of a verification.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The figures behind it.</param>
public sealed record VerificationCheck(string Name, bool Passed, string Detail);

/// <summary>A verification: every check, and the improvement measured on held-out positions.</summary>
/// <param name="Verified">Every check passed.</param>
/// <param name="Checks">The checks, in order.</param>
/// <param name="OldTop1">The parent's top-1 on the quick validation positions, %.</param>
/// <param name="NewTop1">The new version's, %.</param>
/// <param name="Top1Gain">New minus old, points.</param>
/// <param name="OldLoss">The parent's loss on those positions.</param>
/// <param name="NewLoss">The new version's loss.</param>
/// <param name="Positions">Held-out positions measured.</param>
/// <param name="Seconds">Server time of the verification.</param>
public sealed record ModelVerification(
    bool Verified, IReadOnlyList<VerificationCheck> Checks, double OldTop1, double NewTop1, double Top1Gain, double OldLoss, double NewLoss, int Positions, double Seconds);
