namespace OrleansGoRelay.Ledger.Flows;

/// <summary>The applied movements of one transfer code in one time bucket (what a store's flow query returns).</summary>
/// <param name="BucketStart">The bucket's start: a multiple of the bucket length since the Unix epoch.</param>
/// <param name="Code">The transfer code (<see cref="TransferCodes"/>).</param>
/// <param name="Amount">Base units moved: immediate transfers and posted pending ones, never the pending holds themselves.</param>
/// <param name="Transfers">How many transfers.</param>
public sealed record CodeFlow(DateTimeOffset BucketStart, int Code, long Amount, int Transfers);

/// <summary>Token flow of one time bucket, by what the money moved for (base units).</summary>
/// <param name="Start">The bucket's start.</param>
/// <param name="Rewards">Game, impact and training-session rewards paid from the reward pool.</param>
/// <param name="Subsidies">Subsidies paid from the subsidy pool.</param>
/// <param name="InferenceRevenue">What API clients paid for inference: the four shares together, so a direct payment and a
/// settled payment channel count alike (a channel's escrowed deposit is not revenue until its settlement splits it).</param>
/// <param name="DataShare">The data contributors' 40 % of inference revenue.</param>
/// <param name="RelayShare">The relay maintainers' 30 %.</param>
/// <param name="TrainerShare">The model trainers' 20 %.</param>
/// <param name="TreasuryShare">The treasury's 10 %, with every rounding remainder.</param>
/// <param name="Burns">Stamp deposits kept when stamps were burned.</param>
/// <param name="Deposits">Stamp deposits put into escrow.</param>
/// <param name="DepositsReturned">Deposits given back on burns.</param>
public sealed record TokenFlowBucket(
    DateTimeOffset Start, long Rewards, long Subsidies, long InferenceRevenue, long DataShare, long RelayShare, long TrainerShare,
    long TreasuryShare, long Burns, long Deposits, long DepositsReturned);

/// <summary>Token flow over a window, bucket by bucket, with the window's totals.</summary>
/// <param name="Since">The window's start (the first bucket's start).</param>
/// <param name="BucketSeconds">Each bucket's length.</param>
/// <param name="Buckets">Every bucket of the window in order, empty ones included (a chart's x axis).</param>
/// <param name="Totals">The sums over the window (its <see cref="TokenFlowBucket.Start"/> is <paramref name="Since"/>).</param>
public sealed record TokenFlowReport(DateTimeOffset Since, int BucketSeconds, IReadOnlyList<TokenFlowBucket> Buckets, TokenFlowBucket Totals);

/// <summary>How the ledger's transfer codes become the dashboard's token flow: one place that says which code is which flow.</summary>
public static class TokenFlows
{
    /// <summary>The codes the token flow reads, for a store's query.</summary>
    public static IReadOnlyList<int> Codes { get; } =
    [
        TransferCodes.GameReward, TransferCodes.GameImpactReward, TransferCodes.ContributionReward, TransferCodes.ContributionBonus,
        TransferCodes.SubsidyHighQualityData, TransferCodes.SubsidyModelImprovement, TransferCodes.SubsidyConsistentParticipation,
        TransferCodes.RevenueData, TransferCodes.RevenueRelay, TransferCodes.RevenueTrainer,
        TransferCodes.RevenueTreasury, TransferCodes.StampBurn, TransferCodes.StampDeposit, TransferCodes.StampDepositReturn,
    ];

    /// <summary>The start of the bucket holding <paramref name="at"/>: buckets are aligned on the Unix epoch, so every silo cuts alike.</summary>
    public static DateTimeOffset BucketOf(DateTimeOffset at, TimeSpan bucket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        var ticks = (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / bucket.Ticks * bucket.Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks);
    }

    /// <summary>
    /// Sums applied transfers of <see cref="Codes"/> per bucket and code, as the PostgreSQL store's query does in SQL:
    /// immediate transfers and posts of pending ones count (a pending hold moves nothing yet; a void or an expiry
    /// never did), and a reversal counts against its code.
    /// </summary>
    public static IReadOnlyList<CodeFlow> Sum(IEnumerable<Transfer> transfers, DateTimeOffset since, TimeSpan bucket)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        return [.. transfers
            .Where(t => t.CreatedAt >= since && t.Kind is TransferKind.Immediate or TransferKind.Post && Codes.Contains(t.Code))
            .GroupBy(t => (Start: BucketOf(t.CreatedAt, bucket), t.Code))
            .Select(g => new CodeFlow(g.Key.Start, g.Key.Code, g.Sum(t => t.ReversesId is null ? t.Amount : -t.Amount), g.Count()))
            .OrderBy(f => f.BucketStart).ThenBy(f => f.Code)];
    }

    /// <summary>
    /// The report for the window from <paramref name="since"/> (moved back to its bucket's start) to
    /// <paramref name="until"/>, from a store's per-code sums. Codes outside <see cref="Codes"/> are ignored.
    /// </summary>
    public static TokenFlowReport Report(IEnumerable<CodeFlow> flows, DateTimeOffset since, DateTimeOffset until, TimeSpan bucket)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var first = BucketOf(since, bucket);
        var count = (int)Math.Min(10_000, ((BucketOf(until, bucket) - first).Ticks / bucket.Ticks) + 1);
        var sums = new long[count, Columns];
        var totals = new long[Columns];
        foreach (var flow in flows)
        {
            var index = (int)((BucketOf(flow.BucketStart, bucket) - first).Ticks / bucket.Ticks);
            if (ColumnOf(flow.Code) is not { } column || index < 0 || index >= count)
            {
                continue;
            }
            sums[index, column] = checked(sums[index, column] + flow.Amount);
            totals[column] = checked(totals[column] + flow.Amount);
        }
        var buckets = Enumerable.Range(0, count).Select(i => Bucket(first + (bucket * i), c => sums[i, c])).ToList();
        return new TokenFlowReport(first, (int)bucket.TotalSeconds, buckets, Bucket(first, c => totals[c]));
    }

    private const int Columns = 10;

    private static TokenFlowBucket Bucket(DateTimeOffset start, Func<int, long> column) =>
        new(start, column(0), column(1), checked(column(3) + column(4) + column(5) + column(6)), column(3), column(4), column(5), column(6), column(7), column(8), column(9));

    /// <summary>The column of <see cref="TokenFlowBucket"/> (after its start) a code adds to; column 2, the revenue, is the sum of 3 to 6.</summary>
    private static int? ColumnOf(int code) => code switch
    {
        TransferCodes.GameReward or TransferCodes.GameImpactReward or TransferCodes.ContributionReward or TransferCodes.ContributionBonus => 0,
        TransferCodes.SubsidyHighQualityData or TransferCodes.SubsidyModelImprovement or TransferCodes.SubsidyConsistentParticipation => 1,
        TransferCodes.RevenueData => 3,
        TransferCodes.RevenueRelay => 4,
        TransferCodes.RevenueTrainer => 5,
        TransferCodes.RevenueTreasury => 6,
        TransferCodes.StampBurn => 7,
        TransferCodes.StampDeposit => 8,
        TransferCodes.StampDepositReturn => 9,
        _ => null,
    };
}
