using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Marketplace;

/// <summary>
/// The token economy's payments, each a linked batch in the ledger with ids derived from its occasion, so a repeat
/// (a retry, a second silo) pays nothing twice and answers with the original outcome. Participants' wallets
/// (<c>player:</c>, <c>relay:</c>, <c>trainer:</c>) are created on first payment.
/// </summary>
public interface IMarketplaceEconomy
{
    /// <summary>Pays both players of a teaching game or dogfight from the reward pool (see <see cref="TokenEconomics.GameReward"/>); nothing for a standard game.</summary>
    Task<IReadOnlyList<TransferOutcome>> RewardGame(GameRewardRequest request);

    /// <summary>Pays both players the model-impact leg of a game's reward (<c>game-impact:{gameId}:…</c>, after a round trained on it); nothing for a standard game.</summary>
    Task<IReadOnlyList<TransferOutcome>> RewardGameImpact(GameRewardRequest request);

    /// <summary>Shares a federated round's pool among its trainers by contribution (<c>fl-round:{roundId}:{trainer}:{code}</c>).</summary>
    Task<IReadOnlyList<TransferOutcome>> RewardRound(string roundId, long pool, IReadOnlyList<Contribution> contributions);

    /// <summary>An API client's payment for inference, split 40/30/20/10 (see <see cref="TokenEconomics.RevenueSplit"/>).</summary>
    Task<IReadOnlyList<TransferOutcome>> PayForInference(InferencePaymentRequest request);

    /// <summary>Shares a training session's pool from the reward pool (see <see cref="TokenEconomics.ContributionRewards"/>).</summary>
    Task<IReadOnlyList<TransferOutcome>> RewardTrainingSession(string sessionId, long pool, IReadOnlyList<Contribution> contributions);

    /// <summary>Moves tokens from an account into the subsidy pool.</summary>
    Task<TransferOutcome> FundSubsidyPool(string fundingId, string fromAccountId, long amount);

    /// <summary>Pays a relay a subsidy for an occasion (a batch id, a model hash, a UTC date); refused as exceeds_credits when the pool cannot cover it.</summary>
    Task<TransferOutcome> PaySubsidy(string relayId, SubsidyReason reason, string occasion);
}

/// <summary>A game to reward. Fractions in basis points (10,000 = 1.0).</summary>
[GenerateSerializer, Immutable, Alias("gorelay.GameRewardRequest")]
public sealed record GameRewardRequest(string GameId, string BlackPlayerId, string WhitePlayerId, GameClass GameClass, int RarityBp, int ClarityBp, int ModelImpactBp);

/// <summary>An API client's payment and who shares it (participant ids: relays, players whose games are data, trainers).</summary>
[GenerateSerializer, Immutable, Alias("gorelay.InferencePaymentRequest")]
public sealed record InferencePaymentRequest(string PaymentId, string ClientAccountId, long Amount, IReadOnlyList<string> DataContributors, IReadOnlyList<string> Relays, IReadOnlyList<string> Trainers);
