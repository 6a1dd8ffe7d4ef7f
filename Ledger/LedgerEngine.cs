namespace OrleansGoRelay.Ledger;

/// <summary>What the engine may read of stored ledger state (the store prefetches what a batch touches).</summary>
public interface ILedgerView
{
    /// <summary>An account, or null.</summary>
    Account? FindAccount(string accountId);

    /// <summary>The recorded outcome of a transfer id (applied or refused), or null when the id is free.</summary>
    RecordedOutcome? FindOutcome(string transferId);

    /// <summary>An applied transfer, or null.</summary>
    Transfer? FindTransfer(string transferId);

    /// <summary>How a pending transfer was resolved (post, void or expire), or null while it is open.</summary>
    TransferKind? FindResolution(string pendingId);

    /// <summary>Whether a transfer has been reversed.</summary>
    bool IsReversed(string transferId);
}

/// <summary>A transfer id's recorded outcome: its request fingerprint, result, and the transfer when applied.</summary>
public sealed record RecordedOutcome(byte[] RequestHash, TransferResult Result, Transfer? Transfer);

/// <summary>A transfer applied by an engine, with the fingerprint of the request that made it.</summary>
public sealed record AppliedTransfer(Transfer Transfer, byte[] RequestHash);

/// <summary>A refused request, recorded so the id's outcome never changes.</summary>
public sealed record RejectedTransfer(TransferRequest Request, TransferResult Result, byte[] RequestHash, DateTimeOffset CreatedAt);

/// <summary>The head of the hash chain: the last transfer's sequence number, hash and time.</summary>
public sealed record ChainHead(long Sequence, byte[] Hash, DateTimeOffset Time)
{
    /// <summary>An empty ledger's head.</summary>
    public static ChainHead Empty { get; } = new(0, LedgerHashing.Genesis, DateTimeOffset.UnixEpoch);
}

/// <summary>
/// Applies transfer requests to a view of the ledger, entirely in memory, and collects what the store must write:
/// applied transfers (chained), refusals, and changed accounts. The store runs one engine per database transaction
/// while it holds the chain head and the accounts' row locks, so every check here is atomic with the write.
/// A linked batch is all-or-nothing: when one request fails, the others are refused as
/// <see cref="TransferResult.LinkedEventFailed"/> and the working state is rolled back to before the batch.
/// </summary>
public sealed class LedgerEngine(ILedgerView view, ChainHead head, DateTimeOffset now)
{
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordedOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TransferKind> _resolutions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reversed = new(StringComparer.Ordinal);
    private readonly List<AppliedTransfer> _applied = [];
    private readonly List<RejectedTransfer> _rejected = [];
    private readonly DateTimeOffset _now = LedgerHashing.ToStoredPrecision(now);

    /// <summary>The chain head after everything applied so far.</summary>
    public ChainHead Head { get; private set; } = head;

    /// <summary>Transfers applied by this engine, in chain order, with the fingerprints of their requests.</summary>
    public IReadOnlyList<AppliedTransfer> Applied => _applied;

    /// <summary>Requests refused by this engine.</summary>
    public IReadOnlyList<RejectedTransfer> Rejected => _rejected;

    /// <summary>Accounts whose balances changed.</summary>
    public IEnumerable<Account> ChangedAccounts => _accounts.Values;

    /// <summary>Applies one linked batch (a single transfer is a batch of one); returns one outcome per request.</summary>
    public IReadOnlyList<TransferOutcome> Submit(IReadOnlyList<TransferRequest> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 1)
        {
            return [Apply(batch[0])];
        }

        var checkpoint = new Checkpoint(new Dictionary<string, Account>(_accounts), _applied.Count, Head, [.. _resolutions.Keys], [.. _reversed]);
        var outcomes = new TransferOutcome[batch.Count];
        var failed = -1;
        for (var i = 0; i < batch.Count; i++)
        {
            outcomes[i] = Apply(batch[i], recordRefusal: false);
            if (!outcomes[i].Applied)
            {
                failed = i;
                break;
            }
        }

        if (failed < 0)
        {
            return outcomes;
        }

        // Roll back everything the batch did, then give every request its outcome: an id recorded before keeps its
        // own; the failing request is refused for its reason and the rest as linked_event_failed, so that an exact
        // retry of the batch returns the same.
        Restore(checkpoint);
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            var requestHash = LedgerHashing.RequestHash(request);
            outcomes[i] = Recorded(request, requestHash)
                ?? Refuse(request, requestHash, i == failed ? outcomes[i].Result : TransferResult.LinkedEventFailed);
        }

        return outcomes;
    }

    /// <summary>Releases an expired pending transfer (an <see cref="TransferKind.Expire"/> entry); false if it is no longer open.</summary>
    public bool Expire(Transfer pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (pending.Kind != TransferKind.Pending || ResolutionOf(pending.TransferId) is not null || pending.ExpiresAt is not { } expires || expires > _now)
        {
            return false;
        }

        Release(pending);
        Append(new TransferRequest(TransferValidation.ReservedPrefix + pending.TransferId, pending.DebitAccountId, pending.CreditAccountId,
            pending.Amount, pending.Code, TransferKind.Expire, pending.TransferId, Currency: pending.Currency), LedgerHashing.Genesis);
        _resolutions[pending.TransferId] = TransferKind.Expire;
        return true;
    }

    private TransferOutcome Apply(TransferRequest request, bool recordRefusal = true)
    {
        var requestHash = LedgerHashing.RequestHash(request);
        if (Recorded(request, requestHash) is { } recorded)
        {
            return recorded;
        }

        var (result, transfer) = request.Kind is TransferKind.Post or TransferKind.Void
            ? Resolve(request, requestHash)
            : Post(request, requestHash);
        if (result == TransferResult.Created)
        {
            return new TransferOutcome(request.TransferId, result, transfer);
        }

        return recordRefusal ? Refuse(request, requestHash, result) : new TransferOutcome(request.TransferId, result);
    }

    /// <summary>The outcome of an id recorded before, as a retry sees it; null when the id is free.</summary>
    private TransferOutcome? Recorded(TransferRequest request, byte[] requestHash)
    {
        if (OutcomeOf(request.TransferId) is not { } recorded)
        {
            return null;
        }

        if (!recorded.RequestHash.AsSpan().SequenceEqual(requestHash))
        {
            return new TransferOutcome(request.TransferId, TransferResult.ExistsWithDifferentFields);
        }

        return recorded.Result == TransferResult.Created
            ? new TransferOutcome(request.TransferId, TransferResult.Exists, recorded.Transfer)
            : new TransferOutcome(request.TransferId, recorded.Result);
    }

    private (TransferResult, Transfer?) Post(TransferRequest r, byte[] requestHash)
    {
        if (r.ReversesId is { } reversesId)
        {
            var original = TransferOf(reversesId);
            if (original is null)
            {
                return (TransferResult.ReversedTransferNotFound, null);
            }

            if (original.Kind is not (TransferKind.Immediate or TransferKind.Post))
            {
                return (TransferResult.ReversalOfUnpostedTransfer, null);
            }

            if (_reversed.Contains(reversesId) || view.IsReversed(reversesId))
            {
                return (TransferResult.AlreadyReversed, null);
            }

            if (original.DebitAccountId != r.CreditAccountId || original.CreditAccountId != r.DebitAccountId
                || original.Amount != r.Amount || original.Currency != r.Currency)
            {
                return (TransferResult.ReversalMustMirrorOriginal, null);
            }
        }

        if (AccountOf(r.DebitAccountId) is not { } debit)
        {
            return (TransferResult.DebitAccountNotFound, null);
        }

        if (AccountOf(r.CreditAccountId) is not { } credit)
        {
            return (TransferResult.CreditAccountNotFound, null);
        }

        if (debit.Currency != credit.Currency)
        {
            return (TransferResult.AccountsMustHaveTheSameCurrency, null);
        }

        if (r.Currency != debit.Currency)
        {
            return (TransferResult.TransferMustHaveTheSameCurrencyAsAccounts, null);
        }

        var pending = r.Kind == TransferKind.Pending;
        var amount = r.Amount;
        if (Overflows(debit.DebitsPosted, debit.DebitsPending, amount) || Overflows(credit.CreditsPosted, credit.CreditsPending, amount))
        {
            return (TransferResult.OverflowsBalance, null);
        }

        // Int128: the sums of two near-maximal balances must not wrap around before they are compared.
        if (debit.Flags.HasFlag(BalanceRules.DebitsMustNotExceedCredits)
            && (Int128)debit.DebitsPosted + debit.DebitsPending + amount > debit.CreditsPosted)
        {
            return (TransferResult.ExceedsCredits, null);
        }

        if (credit.Flags.HasFlag(BalanceRules.CreditsMustNotExceedDebits)
            && (Int128)credit.CreditsPosted + credit.CreditsPending + amount > credit.DebitsPosted)
        {
            return (TransferResult.ExceedsDebits, null);
        }

        _accounts[debit.AccountId] = pending
            ? debit with { DebitsPending = debit.DebitsPending + amount }
            : debit with { DebitsPosted = debit.DebitsPosted + amount };
        _accounts[credit.AccountId] = pending
            ? credit with { CreditsPending = credit.CreditsPending + amount }
            : credit with { CreditsPosted = credit.CreditsPosted + amount };
        if (r.ReversesId is { } reversed)
        {
            _reversed.Add(reversed);
        }

        return (TransferResult.Created, Append(r, requestHash));
    }

    private (TransferResult, Transfer?) Resolve(TransferRequest r, byte[] requestHash)
    {
        var pending = TransferOf(r.PendingId!);
        if (pending is null)
        {
            return (TransferResult.PendingTransferNotFound, null);
        }

        if (pending.Kind != TransferKind.Pending)
        {
            return (TransferResult.PendingTransferNotPending, null);
        }

        switch (ResolutionOf(pending.TransferId))
        {
            case TransferKind.Post:
                return (TransferResult.PendingTransferAlreadyPosted, null);
            case TransferKind.Void:
                return (TransferResult.PendingTransferAlreadyVoided, null);
            case TransferKind.Expire:
                return (TransferResult.PendingTransferExpired, null);
        }

        if (pending.ExpiresAt is { } expires && expires <= _now)
        {
            return (TransferResult.PendingTransferExpired, null);
        }

        if (r.DebitAccountId.Length > 0 && (r.DebitAccountId != pending.DebitAccountId || r.CreditAccountId != pending.CreditAccountId))
        {
            return (TransferResult.PendingTransferHasDifferentAccounts, null);
        }

        if (r.Currency != pending.Currency)
        {
            return (TransferResult.TransferMustHaveTheSameCurrencyAsAccounts, null);
        }

        var amount = r.Amount == 0 ? pending.Amount : r.Amount;
        if (amount > pending.Amount || (r.Kind == TransferKind.Void && amount != pending.Amount))
        {
            return (TransferResult.ExceedsPendingTransferAmount, null);
        }

        var debit = AccountOf(pending.DebitAccountId)!;
        var credit = AccountOf(pending.CreditAccountId)!;
        if (r.Kind == TransferKind.Post && (Overflows(debit.DebitsPosted, 0, amount) || Overflows(credit.CreditsPosted, 0, amount)))
        {
            return (TransferResult.OverflowsBalance, null);
        }

        Release(pending);
        if (r.Kind == TransferKind.Post)
        {
            debit = _accounts[debit.AccountId];
            credit = _accounts[credit.AccountId];
            _accounts[debit.AccountId] = debit with { DebitsPosted = debit.DebitsPosted + amount };
            _accounts[credit.AccountId] = credit with { CreditsPosted = credit.CreditsPosted + amount };
        }

        _resolutions[pending.TransferId] = r.Kind;
        var stored = r with
        {
            DebitAccountId = pending.DebitAccountId,
            CreditAccountId = pending.CreditAccountId,
            Amount = amount,
            Code = r.Code == 0 ? pending.Code : r.Code,
        };
        return (TransferResult.Created, Append(stored, requestHash));
    }

    private void Release(Transfer pending)
    {
        var debit = AccountOf(pending.DebitAccountId)!;
        var credit = AccountOf(pending.CreditAccountId)!;
        _accounts[debit.AccountId] = debit with { DebitsPending = debit.DebitsPending - pending.Amount };
        _accounts[credit.AccountId] = credit with { CreditsPending = credit.CreditsPending - pending.Amount };
    }

    private Transfer Append(TransferRequest r, byte[] requestHash)
    {
        // Timestamps never go backwards along the chain, even if this silo's clock is behind the last writer's.
        var createdAt = _now > Head.Time ? _now : Head.Time;
        var expiresAt = r.Kind == TransferKind.Pending && r.TimeoutSeconds > 0 ? createdAt.AddSeconds(r.TimeoutSeconds) : (DateTimeOffset?)null;
        var unhashed = new Transfer(Head.Sequence + 1, r.TransferId, r.Kind, r.DebitAccountId, r.CreditAccountId, r.Amount, r.Currency, r.Code,
            r.PendingId, r.ReversesId, r.Reference, r.TimeoutSeconds, expiresAt, createdAt, Head.Hash, []);
        var transfer = unhashed with { Hash = LedgerHashing.ChainHash(unhashed, Head.Hash) };
        _applied.Add(new AppliedTransfer(transfer, requestHash));
        _outcomes[r.TransferId] = new RecordedOutcome(requestHash, TransferResult.Created, transfer);
        Head = new ChainHead(transfer.Sequence, transfer.Hash, createdAt);
        return transfer;
    }

    private TransferOutcome Refuse(TransferRequest request, byte[] requestHash, TransferResult result)
    {
        _rejected.Add(new RejectedTransfer(request, result, requestHash, _now));
        _outcomes[request.TransferId] = new RecordedOutcome(requestHash, result, null);
        return new TransferOutcome(request.TransferId, result);
    }

    private void Restore(Checkpoint checkpoint)
    {
        _accounts.Clear();
        foreach (var (id, account) in checkpoint.Accounts)
        {
            _accounts[id] = account;
        }

        for (var i = checkpoint.AppliedCount; i < _applied.Count; i++)
        {
            _outcomes.Remove(_applied[i].Transfer.TransferId);
        }

        _applied.RemoveRange(checkpoint.AppliedCount, _applied.Count - checkpoint.AppliedCount);
        _resolutions.Keys.Where(k => !checkpoint.Resolutions.Contains(k)).ToList().ForEach(k => _resolutions.Remove(k));
        _reversed.RemoveWhere(k => !checkpoint.Reversed.Contains(k));
        Head = checkpoint.Head;
    }

    private static bool Overflows(long posted, long pending, long amount) => (Int128)posted + pending + amount > long.MaxValue;

    private Account? AccountOf(string id) => _accounts.TryGetValue(id, out var account) ? account : view.FindAccount(id);

    private RecordedOutcome? OutcomeOf(string id) => _outcomes.TryGetValue(id, out var outcome) ? outcome : view.FindOutcome(id);

    private Transfer? TransferOf(string id) => _outcomes.TryGetValue(id, out var outcome) ? outcome.Transfer : view.FindTransfer(id);

    private TransferKind? ResolutionOf(string pendingId) => _resolutions.TryGetValue(pendingId, out var kind) ? kind : view.FindResolution(pendingId);

    private sealed record Checkpoint(Dictionary<string, Account> Accounts, int AppliedCount, ChainHead Head, HashSet<string> Resolutions, HashSet<string> Reversed);
}
