using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Marketplace;

/// <summary>Turns the token economics into ledger batches (the Marketplace grain's payments).</summary>
public sealed class MarketplaceEconomy(ILedgerStore ledger) : IMarketplaceEconomy
{
    public Task<IReadOnlyList<TransferOutcome>> RewardGame(GameRewardRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PayPlayersAsync("game-reward", request, TransferCodes.GameReward);
    }

    public Task<IReadOnlyList<TransferOutcome>> RewardGameImpact(GameRewardRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PayPlayersAsync("game-impact", request, TransferCodes.GameImpactReward);
    }

    public async Task<IReadOnlyList<TransferOutcome>> PayForInference(InferencePaymentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var data = await WalletsAsync(request.DataContributors, SystemAccounts.Player, AccountKind.Player);
        var relays = await WalletsAsync(request.Relays, SystemAccounts.Relay, AccountKind.Relay);
        var trainers = await WalletsAsync(request.Trainers, SystemAccounts.Trainer, AccountKind.Trainer);
        var legs = TokenEconomics.RevenueSplit(request.Amount, data, relays, trainers);
        return await SubmitAsync([.. legs.Select((leg, i) =>
            new TransferRequest($"payment:{request.PaymentId}:{i}", request.ClientAccountId, leg.AccountId, leg.Amount, leg.Code, Reference: request.PaymentId))]);
    }

    public Task<IReadOnlyList<TransferOutcome>> RewardTrainingSession(string sessionId, long pool, IReadOnlyList<Contribution> contributions) =>
        PayContributorsAsync(sessionId, pool, contributions, (leg, i, _) => $"session:{sessionId}:{i}");

    public Task<IReadOnlyList<TransferOutcome>> RewardRound(string roundId, long pool, IReadOnlyList<Contribution> contributions) =>
        PayContributorsAsync(roundId, pool, contributions, (leg, _, trainer) => $"fl-round:{roundId}:{trainer}:{leg.Code}");

    /// <summary>Both players of a game paid the reward its figures earn, in one linked batch <c>{occasion}:{gameId}:black|white</c>.</summary>
    private async Task<IReadOnlyList<TransferOutcome>> PayPlayersAsync(string occasion, GameRewardRequest request, int code)
    {
        var amount = TokenEconomics.GameReward(request.GameClass, request.RarityBp, request.ClarityBp, request.ModelImpactBp);
        if (amount == 0)
        {
            return [];
        }

        var black = await WalletAsync(SystemAccounts.Player(request.BlackPlayerId), AccountKind.Player);
        var white = await WalletAsync(SystemAccounts.Player(request.WhitePlayerId), AccountKind.Player);
        return await SubmitAsync(
        [
            new($"{occasion}:{request.GameId}:black", SystemAccounts.RewardPool, black, amount, code, Reference: request.GameId),
            new($"{occasion}:{request.GameId}:white", SystemAccounts.RewardPool, white, amount, code, Reference: request.GameId),
        ]);
    }

    /// <summary>A pool shared by contribution (80 % by score, 20 % to the top three) from the reward pool, one linked batch.</summary>
    private async Task<IReadOnlyList<TransferOutcome>> PayContributorsAsync(
        string reference, long pool, IReadOnlyList<Contribution> contributions, Func<SplitLeg, int, string, string> transferId)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        var accounts = await WalletsAsync(contributions.Select(c => c.AccountId).ToList(), SystemAccounts.Trainer, AccountKind.Trainer);
        var trainers = accounts.Zip(contributions, (account, c) => (account, c.AccountId)).ToDictionary(p => p.account, p => p.AccountId, StringComparer.Ordinal);
        var byAccount = contributions.Select((c, i) => c with { AccountId = accounts[i] }).ToList();
        var legs = TokenEconomics.ContributionRewards(pool, byAccount);
        return await SubmitAsync([.. legs.Select((leg, i) =>
            new TransferRequest(transferId(leg, i, trainers[leg.AccountId]), SystemAccounts.RewardPool, leg.AccountId, leg.Amount, leg.Code, Reference: reference))]);
    }

    public async Task<TransferOutcome> FundSubsidyPool(string fundingId, string fromAccountId, long amount) =>
        (await SubmitAsync([new TransferRequest($"subsidy-funding:{fundingId}", fromAccountId, SystemAccounts.SubsidyPool, amount, TransferCodes.SubsidyFunding)]))[0];

    public async Task<TransferOutcome> PaySubsidy(string relayId, SubsidyReason reason, string occasion)
    {
        var relay = await WalletAsync(SystemAccounts.Relay(relayId), AccountKind.Relay);
        var id = SubsidyRules.TransferId(relayId, reason, occasion);
        return (await SubmitAsync([new TransferRequest(id, SystemAccounts.SubsidyPool, relay, SubsidyRules.Amount(reason), SubsidyRules.Code(reason), Reference: occasion)]))[0];
    }

    private async Task<IReadOnlyList<TransferOutcome>> SubmitAsync(IReadOnlyList<TransferRequest> batch)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        LedgerRefusals.EnsureValid(batch);
        return await ledger.SubmitAsync(batch);
    }

    private async Task<List<string>> WalletsAsync(IReadOnlyList<string> participants, Func<string, string> name, AccountKind kind)
    {
        var accounts = new List<string>(participants.Count);
        foreach (var participant in participants)
        {
            accounts.Add(await WalletAsync(name(participant), kind));
        }

        return accounts;
    }

    private async Task<string> WalletAsync(string accountId, AccountKind kind)
    {
        var spec = SystemAccounts.Wallet(accountId, kind);
        LedgerRefusals.EnsureValid(spec);
        await ledger.CreateAccountAsync(spec);
        return accountId;
    }
}
