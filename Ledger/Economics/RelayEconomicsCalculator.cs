using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.Ledger.Economics;

/// <summary>What the ledger holds for one relay: its accounts as they are now and the transfers that touched them.</summary>
/// <param name="RelayId">The relay.</param>
/// <param name="Accounts">Its accounts by id (<see cref="RelayEconomicsCalculator.AccountsOf"/>); an account not yet created is missing.</param>
/// <param name="Transfers">Every transfer with one of its accounts on either side.</param>
/// <param name="Burns">The <see cref="TransferCodes.StampBurn"/> transfers of the stamps it deposited for (they touch only escrow and treasury).</param>
public sealed record RelayLedgerActivity(string RelayId, IReadOnlyDictionary<string, Account> Accounts, IReadOnlyList<Transfer> Transfers, IReadOnlyList<Transfer> Burns);

/// <summary>How the series is cut.</summary>
/// <param name="Bucket">The bucket width.</param>
/// <param name="Buckets">How many buckets, the last one holding <paramref name="Now"/>.</param>
/// <param name="Now">The time the answer is for.</param>
public sealed record EconomicsWindow(EconomicsBucket Bucket, int Buckets, DateTimeOffset Now);

/// <summary>
/// A relay's profitability from its ledger transfers, without Orleans or a database. Posted transfers only (single and
/// post; pending, void and expiry move no posted balance) on the relay's wallet, stake and trainer accounts, each in
/// one <see cref="EconomicsCategory"/> by its transfer code and direction. Moves between the relay's own accounts
/// change nothing it holds: stake locks and releases count as the <see cref="EconomicsCategory.Stake"/> it spent (the
/// capital it committed), any other internal move is skipped. So the balances of its accounts always equal earned −
/// stamp deposits + other in − other out, which the tests hold it to.
/// </summary>
public static class RelayEconomicsCalculator
{
    /// <summary>The most buckets one answer carries.</summary>
    public const int MaxBuckets = 1000;

    /// <summary>How far back the consensus rate looks.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromDays(1);

    /// <summary>The relay's accounts and what each is to it.</summary>
    public static IReadOnlyList<(string AccountId, RelayAccountRole Role)> AccountsOf(string relayId) =>
    [
        (SystemAccounts.Relay(relayId), RelayAccountRole.Wallet),
        (SystemAccounts.Stake(relayId), RelayAccountRole.Stake),
        (SystemAccounts.Trainer(relayId), RelayAccountRole.Trainer),
    ];

    /// <summary>Which side of the books a category is on.</summary>
    public static EconomicsSide SideOf(EconomicsCategory category) => category switch
    {
        EconomicsCategory.StampDeposit or EconomicsCategory.Stake => EconomicsSide.Spent,
        EconomicsCategory.OtherIn or EconomicsCategory.OtherOut => EconomicsSide.Other,
        _ => EconomicsSide.Earned,
    };

    /// <summary>
    /// The category of a transfer for the relay owning <paramref name="owned"/>, with the amount it adds to that category
    /// (a stake release adds a negative amount); null when the transfer moves no posted balance of the relay's.
    /// </summary>
    public static (EconomicsCategory Category, long Amount)? Classify(Transfer transfer, IReadOnlySet<string> owned)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        ArgumentNullException.ThrowIfNull(owned);
        if (transfer.Kind is not (TransferKind.Immediate or TransferKind.Post))
        {
            return null;
        }
        if (transfer.ReversesId is not null)
        {
            // A reversal mirrors its original (accounts swapped, same code): it takes the amount back out of the original's category.
            return Classify(transfer with { ReversesId = null, DebitAccountId = transfer.CreditAccountId, CreditAccountId = transfer.DebitAccountId }, owned) is { } original
                ? (original.Category, -original.Amount)
                : null;
        }
        var (debit, credit) = (owned.Contains(transfer.DebitAccountId), owned.Contains(transfer.CreditAccountId));
        return (debit, credit, transfer.Code) switch
        {
            (true, true, TransferCodes.StakeLock) => (EconomicsCategory.Stake, transfer.Amount),
            (true, true, TransferCodes.StakeRelease) => (EconomicsCategory.Stake, -transfer.Amount),
            (true, true, _) or (false, false, _) => null,
            (false, true, var code) => (IncomingCategory(code), transfer.Amount),
            (true, false, TransferCodes.StampDeposit) => (EconomicsCategory.StampDeposit, transfer.Amount),
            (true, false, _) => (EconomicsCategory.OtherOut, transfer.Amount),
        };
    }

    /// <summary>Stamps deposited for per hour over the last <see cref="RateWindow"/> (or since the relay's first stamp, at least an hour).</summary>
    public static double ConsensusGamesPerHour(IReadOnlyList<Transfer> transfers, string relayId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        var wallet = SystemAccounts.Relay(relayId);
        var deposits = transfers.Where(t => t.Code == TransferCodes.StampDeposit && t.DebitAccountId == wallet && t.Kind == TransferKind.Immediate).ToList();
        if (deposits.Count == 0)
        {
            return 0;
        }
        var since = now - RateWindow;
        var recent = deposits.Count(t => t.CreatedAt > since && t.CreatedAt <= now);
        var observed = now - deposits.Min(t => t.CreatedAt);
        var span = observed < TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : observed > RateWindow ? RateWindow : observed;
        return recent / span.TotalHours;
    }

    /// <summary>The relay's economics from its activity, with the optimiser's advice for <paramref name="pending"/> games.</summary>
    public static RelayEconomics Compute(RelayLedgerActivity activity, EconomicsWindow window, StampBatchRules rules, PendingStamps pending)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentOutOfRangeException.ThrowIfLessThan(window.Buckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window.Buckets, MaxBuckets);
        var accounts = AccountsOf(activity.RelayId);
        var owned = accounts.Select(a => a.AccountId).ToHashSet(StringComparer.Ordinal);
        var classified = activity.Transfers
            .DistinctBy(t => t.Sequence)
            .OrderBy(t => t.Sequence)
            .Select(t => (Transfer: t, Entry: Classify(t, owned)))
            .Where(c => c.Entry is not null)
            .Select(c => (c.Transfer, c.Entry!.Value.Category, c.Entry.Value.Amount))
            .ToList();

        var totals = Enum.GetValues<EconomicsCategory>().Select(category =>
        {
            var entries = classified.Where(c => c.Category == category).ToList();
            return new EconomicsTotal(category, SideOf(category), entries.Sum(e => e.Amount), entries.Count);
        }).ToList();
        var earned = SumOf(totals, EconomicsSide.Earned);
        var spent = SumOf(totals, EconomicsSide.Spent);
        var net = earned - spent;

        var paid = totals.Single(t => t.Category == EconomicsCategory.StampDeposit);
        var returned = totals.Single(t => t.Category == EconomicsCategory.DepositReturned).Amount;
        var depositedStamps = classified.Where(c => c.Category == EconomicsCategory.StampDeposit).Select(c => c.Transfer.Reference).ToHashSet(StringComparer.Ordinal);
        var forfeited = activity.Burns
            .Where(b => b.Code == TransferCodes.StampBurn && b.Kind == TransferKind.Immediate && depositedStamps.Contains(b.Reference))
            .DistinctBy(b => b.Sequence).Sum(b => b.Amount);

        var rate = ConsensusGamesPerHour(activity.Transfers, activity.RelayId, window.Now);
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(pending.Games, rate, pending.Waited, pending.MaxWait), rules);
        return new RelayEconomics(
            activity.RelayId,
            [.. accounts.Select(a => new RelayAccountBalance(a.AccountId, a.Role, activity.Accounts.GetValueOrDefault(a.AccountId)?.Balance ?? 0))],
            totals, earned, spent, net,
            spent == 0 ? null : (long)((Int128)net * TokenEconomics.One / spent),
            new StampDepositSummary(paid.Amount, returned, forfeited, paid.Amount - returned - forfeited, paid.Transfers),
            window.Bucket,
            Series(classified.Select(c => (c.Transfer.CreatedAt, c.Category, c.Amount)).ToList(), window),
            advice,
            window.Now);
    }

    /// <summary>The start of the bucket holding <paramref name="at"/> (UTC, aligned to the width).</summary>
    public static DateTimeOffset BucketStart(DateTimeOffset at, EconomicsBucket bucket)
    {
        var width = Width(bucket).Ticks;
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - (utc % width), TimeSpan.Zero);
    }

    /// <summary>The width of a bucket.</summary>
    public static TimeSpan Width(EconomicsBucket bucket) => bucket switch
    {
        EconomicsBucket.Minute => TimeSpan.FromMinutes(1),
        EconomicsBucket.Hour => TimeSpan.FromHours(1),
        EconomicsBucket.Day => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(bucket)),
    };

    private static List<EconomicsBucketRow> Series(List<(DateTimeOffset At, EconomicsCategory Category, long Amount)> entries, EconomicsWindow window)
    {
        var width = Width(window.Bucket);
        var last = BucketStart(window.Now, window.Bucket);
        var first = last - (width * (window.Buckets - 1));
        var cumulative = entries.Where(e => e.At < first).Sum(e => NetOf(e.Category, e.Amount));
        var byBucket = entries.Where(e => e.At >= first).ToLookup(e => BucketStart(e.At, window.Bucket));
        var rows = new List<EconomicsBucketRow>(window.Buckets);
        for (var start = first; start <= last; start += width)
        {
            var inBucket = byBucket[start].ToList();
            var earned = inBucket.Where(e => SideOf(e.Category) == EconomicsSide.Earned).Sum(e => e.Amount);
            var spent = inBucket.Where(e => SideOf(e.Category) == EconomicsSide.Spent).Sum(e => e.Amount);
            cumulative += earned - spent;
            var amounts = inBucket.GroupBy(e => e.Category).Select(g => (Name: ApiJson.NameOf(g.Key), Amount: g.Sum(e => e.Amount)))
                .Where(g => g.Amount != 0).OrderBy(g => g.Name, StringComparer.Ordinal).ToDictionary(g => g.Name, g => g.Amount, StringComparer.Ordinal);
            rows.Add(new EconomicsBucketRow(start, earned, spent, earned - spent, cumulative, amounts));
        }
        return rows;
    }

    private static long NetOf(EconomicsCategory category, long amount) => SideOf(category) switch
    {
        EconomicsSide.Earned => amount,
        EconomicsSide.Spent => -amount,
        _ => 0,
    };

    private static long SumOf(List<EconomicsTotal> totals, EconomicsSide side) => totals.Where(t => t.Side == side).Sum(t => t.Amount);

    private static EconomicsCategory IncomingCategory(int code) => code switch
    {
        TransferCodes.SubsidyHighQualityData => EconomicsCategory.SubsidyHighQualityData,
        TransferCodes.SubsidyModelImprovement => EconomicsCategory.SubsidyModelImprovement,
        TransferCodes.SubsidyConsistentParticipation => EconomicsCategory.SubsidyConsistentParticipation,
        TransferCodes.RevenueData => EconomicsCategory.RevenueDataShare,
        TransferCodes.RevenueRelay => EconomicsCategory.RevenueRelayShare,
        TransferCodes.RevenueTrainer => EconomicsCategory.RevenueTrainerShare,
        TransferCodes.ContributionReward or TransferCodes.ContributionBonus => EconomicsCategory.TrainingReward,
        TransferCodes.StampDepositReturn => EconomicsCategory.DepositReturned,
        _ => EconomicsCategory.OtherIn,
    };
}

/// <summary>The relay's consensus games not yet stamped, as it reports them, and the bound on their wait.</summary>
/// <param name="Games">How many.</param>
/// <param name="Waited">How long the oldest has waited.</param>
/// <param name="MaxWait">The bound.</param>
public sealed record PendingStamps(int Games, TimeSpan Waited, TimeSpan MaxWait);
