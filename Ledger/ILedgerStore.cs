namespace OrleansGoRelay.Ledger;

/// <summary>
/// Where the ledger lives. Every write runs the <see cref="LedgerEngine"/> while holding the chain head, so transfers
/// are totally ordered and each check is atomic with its write. Requests must already pass
/// <see cref="TransferValidation"/>.
/// </summary>
public interface ILedgerStore
{
    /// <summary>Creates an account, or reports that it exists (with the same or other fields).</summary>
    Task<(CreateAccountStatus Status, Account Account)> CreateAccountAsync(AccountSpec spec, CancellationToken cancellationToken = default);

    /// <summary>An account with its balances, or null.</summary>
    Task<Account?> GetAccountAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Submits one linked batch (all-or-nothing; a single transfer is a batch of one) and returns when it is durable.</summary>
    Task<IReadOnlyList<TransferOutcome>> SubmitAsync(IReadOnlyList<TransferRequest> batch, CancellationToken cancellationToken = default);

    /// <summary>The recorded outcome of a transfer id (with the transfer when applied), or null when the id is free.</summary>
    Task<TransferOutcome?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default);

    /// <summary>Every applied transfer with one of <paramref name="accountIds"/> on either side, in chain order.</summary>
    Task<IReadOnlyList<Transfer>> TransfersOfAsync(IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken = default);

    /// <summary>Every applied transfer of <paramref name="code"/> whose reference is one of <paramref name="references"/>, in chain order.</summary>
    Task<IReadOnlyList<Transfer>> TransfersReferencingAsync(IReadOnlyCollection<string> references, int code, CancellationToken cancellationToken = default);

    /// <summary>Stores an API key's SHA-256 bound to an account; false if the account does not exist.</summary>
    Task<bool> AddApiKeyAsync(byte[] keyHash, string accountId, CancellationToken cancellationToken = default);

    /// <summary>The account an API key hash is bound to, or null.</summary>
    Task<string?> FindApiKeyAsync(byte[] keyHash, CancellationToken cancellationToken = default);

    /// <summary>Releases pending transfers whose timeout has passed; returns how many.</summary>
    Task<int> ExpirePendingAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Recomputes the hash chain and every account's balances from the transfers.</summary>
    Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default);

    /// <summary>Applied amounts of the token-flow codes since a time, per bucket and code (<see cref="Flows.TokenFlows.Sum"/>).</summary>
    Task<IReadOnlyList<Flows.CodeFlow>> FlowsAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default);
}
