using System.Security.Cryptography;
using System.Text;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;
using OrleansGoRelay.Ledger.Flows;

namespace OrleansGoRelay.Grains.Marketplace;

/// <summary>
/// The ledger's front door: a stateless worker on every silo, so no one silo carries every payment.
/// </summary>
[GrainType("marketplace")]
[StatelessWorker]
[Reentrant] // no state of its own; overlapping calls are what lets the ledger store group-commit many transfers into one transaction
public sealed class MarketplaceGrain(ILedgerStore ledger, TimeProvider clock) : Grain, IMarketplaceGrain
{
    private readonly MarketplaceEconomy _economy = new(ledger);

    public Task<IReadOnlyList<TransferOutcome>> RewardGame(GameRewardRequest request) => _economy.RewardGame(request);

    public Task<IReadOnlyList<TransferOutcome>> RewardGameImpact(GameRewardRequest request) => _economy.RewardGameImpact(request);

    public Task<IReadOnlyList<TransferOutcome>> RewardRound(string roundId, long pool, IReadOnlyList<Contribution> contributions) =>
        _economy.RewardRound(roundId, pool, contributions);

    public Task<IReadOnlyList<TransferOutcome>> PayForInference(InferencePaymentRequest request) => _economy.PayForInference(request);

    public Task<IReadOnlyList<TransferOutcome>> RewardTrainingSession(string sessionId, long pool, IReadOnlyList<Contribution> contributions) =>
        _economy.RewardTrainingSession(sessionId, pool, contributions);

    public Task<TransferOutcome> FundSubsidyPool(string fundingId, string fromAccountId, long amount) => _economy.FundSubsidyPool(fundingId, fromAccountId, amount);

    public Task<TransferOutcome> PaySubsidy(string relayId, SubsidyReason reason, string occasion) => _economy.PaySubsidy(relayId, reason, occasion);

    public async Task<CreateAccountResult> CreateAccount(AccountSpec spec)
    {
        LedgerRefusals.EnsureValid(spec);
        var (status, account) = await ledger.CreateAccountAsync(spec);
        return new CreateAccountResult(status, account);
    }

    public Task<Account?> GetAccount(string accountId) => ledger.GetAccountAsync(accountId);

    public Task<IReadOnlyList<TransferOutcome>> SubmitTransfers(IReadOnlyList<TransferRequest> batch)
    {
        LedgerRefusals.EnsureValid(batch);
        return ledger.SubmitAsync(batch);
    }

    public Task<TransferOutcome?> GetTransfer(string transferId) => ledger.GetTransferAsync(transferId);

    public Task<IReadOnlyList<Transfer>> TransfersOf(IReadOnlyList<string> accountIds) => ledger.TransfersOfAsync(accountIds);

    public Task<IReadOnlyList<Transfer>> TransfersReferencing(IReadOnlyList<string> references, int code) => ledger.TransfersReferencingAsync(references, code);

    public async Task<string?> CreateApiKey(string accountId)
    {
        var key = "mcp_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        return await ledger.AddApiKeyAsync(HashKey(key), accountId) ? key : null;
    }

    public Task<string?> AccountOfApiKey(string apiKey) => ledger.FindApiKeyAsync(HashKey(apiKey));

    public Task<LedgerVerification> Verify() => ledger.VerifyAsync();

    public async Task<TokenFlowReport> TokenFlow(DateTimeOffset since, TimeSpan bucket)
    {
        if (bucket < TimeSpan.FromSeconds(1) || bucket > TimeSpan.FromDays(7))
        {
            throw RequestRefusedException.BadRequest("invalid_bucket", "A token-flow bucket is 1 s to 7 days.");
        }
        var now = clock.GetUtcNow();
        if (since > now || (now - since) / bucket > 2_000)
        {
            throw RequestRefusedException.BadRequest("invalid_window", "A token-flow window starts in the past and holds at most 2,000 buckets.");
        }
        return TokenFlows.Report(await ledger.FlowsAsync(since, bucket), since, now, bucket);
    }

    private static byte[] HashKey(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
