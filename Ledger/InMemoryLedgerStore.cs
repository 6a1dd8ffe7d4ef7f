namespace OrleansGoRelay.Ledger;

/// <summary>
/// The ledger in memory, for in-memory test clusters and unit tests: the same engine and checks as PostgreSQL,
/// one writer at a time, nothing durable.
/// </summary>
public sealed class InMemoryLedgerStore(TimeProvider clock) : ILedgerStore, ILedgerView, IDisposable
{
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordedOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TransferKind> _resolutions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reversed = new(StringComparer.Ordinal);
    private readonly List<Transfer> _chain = [];
    private readonly Dictionary<string, string> _apiKeys = new(StringComparer.Ordinal);
    private ChainHead _head = ChainHead.Empty;

    /// <summary>A store with the system accounts of the PostgreSQL schema (treasury, pools, escrow).</summary>
    public InMemoryLedgerStore() : this(TimeProvider.System)
    {
    }

    /// <inheritdoc />
    public Task<(CreateAccountStatus Status, Account Account)> CreateAccountAsync(AccountSpec spec, CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            ArgumentNullException.ThrowIfNull(spec);
            SeedSystemAccounts();
            if (_accounts.TryGetValue(spec.AccountId, out var existing))
            {
                var same = existing.Kind == spec.Kind && existing.Flags == spec.Flags && existing.Currency == spec.Currency;
                return (same ? CreateAccountStatus.Exists : CreateAccountStatus.ExistsWithDifferentFields, existing);
            }

            var account = new Account(spec.AccountId, spec.Kind, spec.Flags, spec.Currency, 0, 0, 0, 0, LedgerHashing.ToStoredPrecision(clock.GetUtcNow()));
            _accounts[account.AccountId] = account;
            return (CreateAccountStatus.Created, account);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<Account?> GetAccountAsync(string accountId, CancellationToken cancellationToken = default) =>
        await Locked(() => { SeedSystemAccounts(); return _accounts.GetValueOrDefault(accountId); }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<IReadOnlyList<TransferOutcome>> SubmitAsync(IReadOnlyList<TransferRequest> batch, CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            SeedSystemAccounts();
            var engine = new LedgerEngine(this, _head, clock.GetUtcNow());
            var outcomes = engine.Submit(batch);
            Commit(engine);
            return outcomes;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<TransferOutcome?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default) =>
        Locked(() => _outcomes.TryGetValue(transferId, out var recorded) ? new TransferOutcome(transferId, recorded.Result, recorded.Transfer) : null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Transfer>> TransfersOfAsync(IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyList<Transfer>>(() => [.. _chain.Where(t => accountIds.Contains(t.DebitAccountId) || accountIds.Contains(t.CreditAccountId))], cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Transfer>> TransfersReferencingAsync(IReadOnlyCollection<string> references, int code, CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyList<Transfer>>(() => [.. _chain.Where(t => t.Code == code && t.Reference is { } reference && references.Contains(reference))], cancellationToken);

    /// <inheritdoc />
    public Task<bool> AddApiKeyAsync(byte[] keyHash, string accountId, CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            SeedSystemAccounts();
            if (!_accounts.ContainsKey(accountId))
            {
                return false;
            }

            _apiKeys[Convert.ToHexString(keyHash)] = accountId;
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<string?> FindApiKeyAsync(byte[] keyHash, CancellationToken cancellationToken = default) =>
        Locked(() => _apiKeys.GetValueOrDefault(Convert.ToHexString(keyHash)), cancellationToken);

    /// <inheritdoc />
    public Task<int> ExpirePendingAsync(int limit, CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            var engine = new LedgerEngine(this, _head, clock.GetUtcNow());
            var expired = 0;
            foreach (var pending in _chain.Where(t => t.Kind == TransferKind.Pending).ToList())
            {
                if (expired < limit && engine.Expire(pending))
                {
                    expired++;
                }
            }

            Commit(engine);
            return expired;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            SeedSystemAccounts();
            var verifier = new LedgerVerifier();
            _chain.ForEach(verifier.Add);
            return verifier.Finish(_accounts.Values, _head);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Flows.CodeFlow>> FlowsAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default) =>
        Locked(() => Flows.TokenFlows.Sum(_chain, since, bucket), cancellationToken);

    /// <summary>Every applied transfer in chain order (for tests).</summary>
    public IReadOnlyList<Transfer> Chain => _chain;

    Account? ILedgerView.FindAccount(string accountId) => _accounts.GetValueOrDefault(accountId);

    RecordedOutcome? ILedgerView.FindOutcome(string transferId) => _outcomes.GetValueOrDefault(transferId);

    Transfer? ILedgerView.FindTransfer(string transferId) => _outcomes.GetValueOrDefault(transferId)?.Transfer;

    TransferKind? ILedgerView.FindResolution(string pendingId) => _resolutions.TryGetValue(pendingId, out var kind) ? kind : null;

    bool ILedgerView.IsReversed(string transferId) => _reversed.Contains(transferId);

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();

    private void Commit(LedgerEngine engine)
    {
        foreach (var account in engine.ChangedAccounts)
        {
            _accounts[account.AccountId] = account;
        }

        foreach (var (transfer, requestHash) in engine.Applied)
        {
            _chain.Add(transfer);
            _outcomes[transfer.TransferId] = new RecordedOutcome(requestHash, TransferResult.Created, transfer);
            if (transfer.PendingId is { } pendingId)
            {
                _resolutions[pendingId] = transfer.Kind;
            }

            if (transfer.ReversesId is { } reversed)
            {
                _reversed.Add(reversed);
            }
        }

        foreach (var rejected in engine.Rejected)
        {
            _outcomes[rejected.Request.TransferId] = new RecordedOutcome(rejected.RequestHash, rejected.Result, null);
        }

        _head = engine.Head;
    }

    private void SeedSystemAccounts()
    {
        if (_accounts.Count > 0)
        {
            return;
        }

        foreach (var spec in SystemAccounts.All)
        {
            _accounts[spec.AccountId] = new Account(spec.AccountId, spec.Kind, spec.Flags, spec.Currency, 0, 0, 0, 0, DateTimeOffset.UnixEpoch);
        }
    }

    private async Task<T> Locked<T>(Func<T> action, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return action();
        }
        finally
        {
            _writer.Release();
        }
    }
}
