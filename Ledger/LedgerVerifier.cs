namespace OrleansGoRelay.Ledger;

/// <summary>
/// Checks a ledger from its transfers alone: the hash chain (no gap, each predecessor hash and each content hash
/// recomputed), every account's cached balances against the sums of its entries, and that balances sum to zero.
/// Both stores feed it, so the check an analyst runs is the one the tests run.
/// </summary>
public sealed class LedgerVerifier
{
    private readonly Dictionary<string, Sums> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Transfer> _openPending = new(StringComparer.Ordinal);
    private byte[] _previousHash = LedgerHashing.Genesis;
    private long _count;
    private long? _firstBad;

    /// <summary>Feeds the next transfer in sequence order.</summary>
    public void Add(Transfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        _count++;
        if (_firstBad is null
            && (transfer.Sequence != _count
                || !transfer.PreviousHash.AsSpan().SequenceEqual(_previousHash)
                || !transfer.Hash.AsSpan().SequenceEqual(LedgerHashing.ChainHash(transfer, transfer.PreviousHash))))
        {
            _firstBad = transfer.Sequence;
        }

        _previousHash = transfer.Hash;
        switch (transfer.Kind)
        {
            case TransferKind.Immediate:
                Entry(transfer.DebitAccountId).DebitsPosted += transfer.Amount;
                Entry(transfer.CreditAccountId).CreditsPosted += transfer.Amount;
                break;
            case TransferKind.Pending:
                _openPending[transfer.TransferId] = transfer;
                Entry(transfer.DebitAccountId).DebitsPending += transfer.Amount;
                Entry(transfer.CreditAccountId).CreditsPending += transfer.Amount;
                break;
            default:
                if (transfer.PendingId is { } pendingId && _openPending.Remove(pendingId, out var pending))
                {
                    Entry(pending.DebitAccountId).DebitsPending -= pending.Amount;
                    Entry(pending.CreditAccountId).CreditsPending -= pending.Amount;
                }
                else
                {
                    _firstBad ??= transfer.Sequence; // resolves nothing open: the chain is not a valid history
                }

                if (transfer.Kind == TransferKind.Post)
                {
                    Entry(transfer.DebitAccountId).DebitsPosted += transfer.Amount;
                    Entry(transfer.CreditAccountId).CreditsPosted += transfer.Amount;
                }

                break;
        }
    }

    /// <summary>The verdict, given every account and the stored chain head.</summary>
    public LedgerVerification Finish(IEnumerable<Account> accounts, ChainHead head)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(head);
        var chainValid = _firstBad is null && head.Sequence == _count && head.Hash.AsSpan().SequenceEqual(_previousHash);
        var mismatched = new List<string>();
        Int128 sum = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            seen.Add(account.AccountId);
            sum += (Int128)account.CreditsPosted - account.DebitsPosted;
            var entries = _entries.GetValueOrDefault(account.AccountId) ?? new Sums();
            if (entries.DebitsPosted != account.DebitsPosted || entries.CreditsPosted != account.CreditsPosted
                || entries.DebitsPending != account.DebitsPending || entries.CreditsPending != account.CreditsPending)
            {
                mismatched.Add(account.AccountId);
            }
        }

        mismatched.AddRange(_entries.Keys.Where(id => !seen.Contains(id)));
        var clamped = sum > long.MaxValue ? long.MaxValue : sum < long.MinValue ? long.MinValue : (long)sum;
        return new LedgerVerification(_count, chainValid, mismatched.Count == 0, clamped,
            chainValid ? null : _firstBad ?? _count, mismatched);
    }

    private Sums Entry(string accountId)
    {
        if (!_entries.TryGetValue(accountId, out var sums))
        {
            _entries[accountId] = sums = new Sums();
        }

        return sums;
    }

    private sealed class Sums
    {
        public Int128 DebitsPosted;
        public Int128 CreditsPosted;
        public Int128 DebitsPending;
        public Int128 CreditsPending;
    }
}
