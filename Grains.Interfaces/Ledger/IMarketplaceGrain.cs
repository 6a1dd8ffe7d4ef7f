using OrleansGoRelay.Grains.Marketplace;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Ledger;

/// <summary>
/// The ledger's front door: accounts, transfers, API keys and verification. Any key works (every silo activates
/// its own; the ledger's order comes from PostgreSQL), by convention <see cref="Key"/>.
/// </summary>
[Alias("gorelay.IMarketplaceGrain")]
public interface IMarketplaceGrain : IGrainWithStringKey, IMarketplaceEconomy
{
    /// <summary>The conventional key.</summary>
    const string Key = "ledger";

    /// <summary>Creates an account; an identical repeat reports <see cref="CreateAccountStatus.Exists"/>.</summary>
    Task<CreateAccountResult> CreateAccount(AccountSpec spec);

    /// <summary>An account with its balances, or null.</summary>
    Task<Account?> GetAccount(string accountId);

    /// <summary>Submits one linked batch (a single transfer is a batch of one); returns once durable.</summary>
    Task<IReadOnlyList<TransferOutcome>> SubmitTransfers(IReadOnlyList<TransferRequest> batch);

    /// <summary>The recorded outcome of a transfer id, or null when it is free.</summary>
    Task<TransferOutcome?> GetTransfer(string transferId);

    /// <summary>Every applied transfer with one of the accounts on either side, in chain order (a relay's economics).</summary>
    Task<IReadOnlyList<Transfer>> TransfersOf(IReadOnlyList<string> accountIds);

    /// <summary>Every applied transfer of a code whose reference is one of <paramref name="references"/>, in chain order.</summary>
    Task<IReadOnlyList<Transfer>> TransfersReferencing(IReadOnlyList<string> references, int code);

    /// <summary>Creates an API key bound to an account; returns the key (only its hash is stored), or null if the account does not exist.</summary>
    Task<string?> CreateApiKey(string accountId);

    /// <summary>The account an API key is bound to, or null.</summary>
    Task<string?> AccountOfApiKey(string apiKey);

    /// <summary>Recomputes the hash chain and balances.</summary>
    Task<LedgerVerification> Verify();

    /// <summary>The token flow (rewards, subsidies, inference revenue and its split, burns) from <paramref name="since"/> to now, per bucket.</summary>
    Task<OrleansGoRelay.Ledger.Flows.TokenFlowReport> TokenFlow(DateTimeOffset since, TimeSpan bucket);
}

/// <summary>The outcome of creating an account, with the account as stored.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.CreateAccountResult")]
public sealed record CreateAccountResult(CreateAccountStatus Status, Account Account);
