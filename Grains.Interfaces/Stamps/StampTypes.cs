using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Stamps;

/// <summary>Whether a stamp can still be trained on.</summary>
[GenerateSerializer, Alias("gorelay.StampStatus")]
public enum StampStatus
{
    /// <summary>Usable in models; its deposit is in escrow.</summary>
    Active,
    /// <summary>Burned: its deposit went back to the relay (less the part kept for its uses) and to the treasury.</summary>
    Burned,
}

/// <summary>A training stamp: a consensus game certified as training data.</summary>
/// <param name="StampId">The stamp (equal to its game's id: one stamp per game).</param>
/// <param name="GameHash">SHA-256 (hex) of the game's SGF.</param>
/// <param name="BlackRelay">The relay Black played through.</param>
/// <param name="WhiteRelay">The relay White played through.</param>
/// <param name="OwnerRelay">The relay that stamped it and paid the deposit; only it may burn the stamp.</param>
/// <param name="BlackPlayer">Black's player id.</param>
/// <param name="WhitePlayer">White's player id.</param>
/// <param name="ConsensusResult">The result both players agreed.</param>
/// <param name="TotalMoves">Moves in the game.</param>
/// <param name="GameClass">Teaching, dogfight or standard.</param>
/// <param name="Features">The game's features.</param>
/// <param name="Deposit">The deposit held in escrow (base units).</param>
/// <param name="Uses">How many models were trained on it.</param>
/// <param name="Status">Active or burned.</param>
/// <param name="CreatedAt">When it was stamped.</param>
/// <param name="BurnedAt">When it was burned.</param>
/// <param name="DepositReturned">What the burn returned to the owner.</param>
[GenerateSerializer, Immutable, Alias("gorelay.TrainingStamp")]
public sealed record TrainingStamp(
    string StampId, string GameHash, string? BlackRelay, string? WhiteRelay, string OwnerRelay, string BlackPlayer, string WhitePlayer,
    string ConsensusResult, int TotalMoves, GameClass GameClass, GameFeatures Features, long Deposit, int Uses, StampStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset? BurnedAt, long? DepositReturned)
{
    /// <summary>The relays that may use the stamp in models: both relays of the game and its owner.</summary>
    public IReadOnlyList<string> AccessRelays => new[] { BlackRelay, WhiteRelay, OwnerRelay }.OfType<string>().Distinct().ToList();
}

/// <summary>One game of a stamp batch.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Consensus">Whether the relay saw both players agree; games without consensus are discarded.</param>
[GenerateSerializer, Immutable, Alias("gorelay.StampSubmission")]
public sealed record StampSubmission(string GameId, bool Consensus);

/// <summary>A game of a batch that did not become a stamp, and why.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Code">unknown_game, no_consensus, not_your_game, already_stamped or exceeds_credits (the deposit could not be paid).</param>
[GenerateSerializer, Immutable, Alias("gorelay.StampRefusal")]
public sealed record StampRefusal(string GameId, string Code);

/// <summary>What a stamp batch did.</summary>
/// <param name="StampsCreated">Stamps created.</param>
/// <param name="Discarded">Games submitted without consensus.</param>
/// <param name="Refused">Consensus games that did not become stamps.</param>
/// <param name="DepositsPaid">Deposits moved to escrow (base units).</param>
/// <param name="Subsidies">Subsidies paid for the batch (names), when the pool covered them.</param>
[GenerateSerializer, Immutable, Alias("gorelay.StampBatchResult")]
public sealed record StampBatchResult(int StampsCreated, int Discarded, IReadOnlyList<StampRefusal> Refused, long DepositsPaid, IReadOnlyList<string> Subsidies);

/// <summary>What a burn did.</summary>
/// <param name="Burned">Stamps burned by this request.</param>
/// <param name="DepositReturned">Deposit returned to the relay (base units).</param>
/// <param name="DepositKept">Deposit moved to the treasury for the stamps' uses.</param>
[GenerateSerializer, Immutable, Alias("gorelay.BurnResult")]
public sealed record BurnResult(int Burned, long DepositReturned, long DepositKept);

/// <summary>How a model performs, in percent.</summary>
/// <param name="WinRate">Win rate against the previous generation.</param>
/// <param name="PredictionAccuracy">Move prediction accuracy.</param>
/// <param name="StyleConsistency">Style consistency.</param>
[GenerateSerializer, Immutable, Alias("gorelay.ModelPerformance")]
public sealed record ModelPerformance(double WinRate, double PredictionAccuracy, double StyleConsistency);

/// <summary>A model as a relay submits it.</summary>
/// <param name="ModelHash">The model's hash (hex, 16 to 128 digits).</param>
/// <param name="Generation">Its generation.</param>
/// <param name="StampIds">The stamps it was trained on (each accessible to the submitter).</param>
/// <param name="Performance">How it performs.</param>
[GenerateSerializer, Immutable, Alias("gorelay.ModelSubmission")]
public sealed record ModelSubmission(string ModelHash, int Generation, IReadOnlyList<string> StampIds, ModelPerformance Performance);

/// <summary>Someone whose data a model was trained on.</summary>
/// <param name="Id">A relay or player id.</param>
/// <param name="Role"><c>relay</c> or <c>player</c>.</param>
/// <param name="Stamps">How many of the model's stamps they contributed to.</param>
[GenerateSerializer, Immutable, Alias("gorelay.ModelContributor")]
public sealed record ModelContributor(string Id, string Role, int Stamps);

/// <summary>A recorded model.</summary>
/// <param name="ModelHash">Its hash.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="SubmittedBy">The relay that submitted it.</param>
/// <param name="Performance">How it performs.</param>
/// <param name="StampIds">Its stamps.</param>
/// <param name="Contributors">Every relay and player behind those stamps.</param>
/// <param name="ModelImprovementSubsidy">The ModelImprovement subsidy's transfer result when the model earned one (<c>created</c>, <c>exists</c>, <c>exceeds_credits</c> when the pool was short), else null.</param>
/// <param name="CreatedAt">When it was recorded.</param>
[GenerateSerializer, Immutable, Alias("gorelay.ModelRecord")]
public sealed record ModelRecord(
    string ModelHash, int Generation, string SubmittedBy, ModelPerformance Performance, IReadOnlyList<string> StampIds,
    IReadOnlyList<ModelContributor> Contributors, string? ModelImprovementSubsidy, DateTimeOffset CreatedAt);

/// <summary>The stamp rules: deposit, burn age and how uses reduce the returned deposit.</summary>
public static class StampRules
{
    /// <summary>The deposit per stamp: 0.01 MCP.</summary>
    public const long Deposit = Mcp.Unit / 100;

    /// <summary>A stamp can be burned once it is this old.</summary>
    public static readonly TimeSpan MinimumBurnAge = TimeSpan.FromDays(30);

    /// <summary>Each model use keeps this share of the deposit (in tenths) at the burn.</summary>
    public const int TenthsKeptPerUse = 1;

    /// <summary>
    /// The part of a deposit a burn returns: a tenth less for each model use, none from ten uses on, rounded down
    /// (the remainder of the division stays with the treasury's part, so returned + kept = deposit exactly).
    /// </summary>
    public static long Returned(long deposit, int uses) => deposit * Math.Max(0, 10 - TenthsKeptPerUse * uses) / 10;
}
