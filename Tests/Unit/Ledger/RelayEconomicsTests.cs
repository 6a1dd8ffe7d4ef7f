using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>
/// A relay's economics from real engine transfers (the in-memory ledger), against hand-computed sums: every flow in its
/// category, the balances reconciled, the series cut by bucket.
/// </summary>
public sealed class RelayEconomicsTests : IDisposable
{
    private const long Mcp = 1_000_000_000;
    private const long Deposit = Mcp / 100;
    private const string Relay = "econ-r1";
    private static readonly string Wallet = SystemAccounts.Relay(Relay);
    private static readonly string Stake = SystemAccounts.Stake(Relay);
    private static readonly string Trainer = SystemAccounts.Trainer(Relay);
    private static readonly PendingStamps NonePending = new(0, TimeSpan.Zero, StampBatchOptimiser.DefaultMaxWait);
    private readonly Books _books = new();

    public void Dispose() => _books.Dispose();

    [Fact]
    public async Task ClassifiesEveryFlowByCodeAndDirectionAndReconcilesWithTheBalances()
    {
        await OpenRelayAsync(funding: Mcp);
        await MoveAsync("stake-1", Wallet, Stake, 300_000_000, TransferCodes.StakeLock);
        await MoveAsync("stake-2", Stake, Wallet, 100_000_000, TransferCodes.StakeRelease);
        for (var i = 1; i <= 11; i++)
        {
            await DepositAsync($"g{i}");
        }
        await MoveAsync("subsidy-hq", SystemAccounts.SubsidyPool, Wallet, Mcp / 10, TransferCodes.SubsidyHighQualityData);
        await MoveAsync("subsidy-day", SystemAccounts.SubsidyPool, Wallet, Mcp / 20, TransferCodes.SubsidyConsistentParticipation);
        await MoveAsync("revenue-data", "api-client", Wallet, 40, TransferCodes.RevenueData);
        await MoveAsync("revenue-relay", "api-client", Wallet, 30, TransferCodes.RevenueRelay);
        await MoveAsync("revenue-trainer", "api-client", Trainer, 20, TransferCodes.RevenueTrainer);
        await MoveAsync("round-reward", SystemAccounts.RewardPool, Trainer, 7_000, TransferCodes.ContributionReward);
        await MoveAsync("round-bonus", SystemAccounts.RewardPool, Trainer, 3_000, TransferCodes.ContributionBonus);
        // A burn of g1 after one model use: nine tenths back, one tenth to the treasury.
        await MoveAsync("stamp-return:g1", SystemAccounts.StampEscrow, Wallet, Deposit * 9 / 10, TransferCodes.StampDepositReturn, "g1");
        await MoveAsync("stamp-burn:g1", SystemAccounts.StampEscrow, SystemAccounts.Treasury, Deposit / 10, TransferCodes.StampBurn, "g1");
        await MoveAsync("pay-out", Wallet, "api-client", 5_000, TransferCodes.Payment);

        var economics = await ComputeAsync(NonePending);

        var totals = economics.Totals.ToDictionary(t => t.Category);
        Assert.Equal(Enum.GetValues<EconomicsCategory>().Length, totals.Count);
        Assert.Equal((Mcp / 10, 1), (totals[EconomicsCategory.SubsidyHighQualityData].Amount, totals[EconomicsCategory.SubsidyHighQualityData].Transfers));
        Assert.Equal(Mcp / 20, totals[EconomicsCategory.SubsidyConsistentParticipation].Amount);
        Assert.Equal(0, totals[EconomicsCategory.SubsidyModelImprovement].Amount);
        Assert.Equal((40L, 30L, 20L), (totals[EconomicsCategory.RevenueDataShare].Amount, totals[EconomicsCategory.RevenueRelayShare].Amount, totals[EconomicsCategory.RevenueTrainerShare].Amount));
        Assert.Equal((10_000L, 2), (totals[EconomicsCategory.TrainingReward].Amount, totals[EconomicsCategory.TrainingReward].Transfers));
        Assert.Equal(Deposit * 9 / 10, totals[EconomicsCategory.DepositReturned].Amount);
        Assert.Equal((11 * Deposit, 11), (totals[EconomicsCategory.StampDeposit].Amount, totals[EconomicsCategory.StampDeposit].Transfers));
        Assert.Equal((200_000_000L, 2), (totals[EconomicsCategory.Stake].Amount, totals[EconomicsCategory.Stake].Transfers));
        Assert.Equal((Mcp, 5_000L), (totals[EconomicsCategory.OtherIn].Amount, totals[EconomicsCategory.OtherOut].Amount));

        var earned = (Mcp / 10) + (Mcp / 20) + 90 + 10_000 + (Deposit * 9 / 10);
        var spent = (11 * Deposit) + 200_000_000;
        Assert.Equal((earned, spent, earned - spent), (economics.Earned, economics.Spent, economics.Net));
        Assert.Equal((long)((Int128)(earned - spent) * 10_000 / spent), economics.RoiBasisPoints);
        Assert.Equal(new StampDepositSummary(11 * Deposit, Deposit * 9 / 10, Deposit / 10, 10 * Deposit, 11), economics.Deposits);

        // What the relay holds is what it earned, less its deposits, plus and minus the other flows (the stake is its own).
        var held = economics.Accounts.Sum(a => a.Balance);
        Assert.Equal(economics.Earned - totals[EconomicsCategory.StampDeposit].Amount + Mcp - 5_000, held);
        Assert.Equal(await _books.BalanceAsync(Wallet) + await _books.BalanceAsync(Stake) + await _books.BalanceAsync(Trainer), held);
        Assert.Equal(200_000_000, economics.Accounts.Single(a => a.Role == RelayAccountRole.Stake).Balance);
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task TheSeriesCutsTheLastBucketsAndCarriesTheCumulativeNet()
    {
        await OpenRelayAsync(funding: Mcp);
        await DepositAsync("g1");                                   // 12:00, before the window
        _books.Clock.Advance(TimeSpan.FromHours(2));
        await MoveAsync("subsidy-day", SystemAccounts.SubsidyPool, Wallet, Mcp / 20, TransferCodes.SubsidyConsistentParticipation); // 14:00
        _books.Clock.Advance(TimeSpan.FromMinutes(30));
        await DepositAsync("g2");                                   // 14:30
        _books.Clock.Advance(TimeSpan.FromHours(1));                // now 15:30

        var economics = await ComputeAsync(NonePending, EconomicsBucket.Hour, buckets: 3);

        Assert.Equal([Books.Start.AddHours(1), Books.Start.AddHours(2), Books.Start.AddHours(3)], economics.Series.Select(b => b.Start));
        var (empty, busy, last) = (economics.Series[0], economics.Series[1], economics.Series[2]);
        Assert.Equal((0L, 0L, -Deposit), (empty.Earned, empty.Spent, empty.CumulativeNet));
        Assert.Empty(empty.Amounts);
        Assert.Equal((Mcp / 20, Deposit, (Mcp / 20) - Deposit), (busy.Earned, busy.Spent, busy.Net));
        Assert.Equal(new Dictionary<string, long> { ["stamp_deposit"] = Deposit, ["subsidy_consistent_participation"] = Mcp / 20 }, busy.Amounts);
        Assert.Equal((Mcp / 20) - (2 * Deposit), busy.CumulativeNet);
        Assert.Equal(economics.Net, last.CumulativeNet);
    }

    [Fact]
    public async Task AReversalTakesItsAmountBackOutOfTheOriginalsCategory()
    {
        await OpenRelayAsync(funding: 0);
        await MoveAsync("subsidy-hq", SystemAccounts.SubsidyPool, Wallet, Mcp / 10, TransferCodes.SubsidyHighQualityData);
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(
            new TransferRequest("subsidy-hq:reversal", Wallet, SystemAccounts.SubsidyPool, Mcp / 10, TransferCodes.SubsidyHighQualityData, ReversesId: "subsidy-hq")));

        var economics = await ComputeAsync(NonePending);

        var subsidy = economics.Totals.Single(t => t.Category == EconomicsCategory.SubsidyHighQualityData);
        Assert.Equal((0L, 2), (subsidy.Amount, subsidy.Transfers));
        Assert.Equal(0, economics.Totals.Single(t => t.Category == EconomicsCategory.OtherOut).Amount);
        Assert.Null(economics.RoiBasisPoints);
    }

    [Fact]
    public async Task PendingAndVoidedTransfersMoveNothing()
    {
        await OpenRelayAsync(funding: 0);
        await MoveAsync("held", "api-client", Wallet, 500, TransferCodes.RevenueRelay, kind: TransferKind.Pending);
        Assert.Equal(TransferResult.Created, await _books.ResolveAsync("held:void", TransferKind.Void, "held"));

        var economics = await ComputeAsync(NonePending);

        Assert.All(economics.Totals, t => Assert.Equal((0L, 0), (t.Amount, t.Transfers)));
        Assert.Equal(0, economics.Net);
    }

    [Fact]
    public async Task TheConsensusRateIsTheLastDaysStampsPerHourOverAtLeastAnHour()
    {
        await OpenRelayAsync(funding: Mcp);
        await DepositAsync("g1");
        await DepositAsync("g2");
        var transfers = await _books.Store.TransfersOfAsync([Wallet]);
        // Two stamps in the first minutes: the rate is over an hour, not over the minutes seen.
        Assert.Equal(2.0, RelayEconomicsCalculator.ConsensusGamesPerHour(transfers, Relay, _books.Clock.GetUtcNow()));
        _books.Clock.Advance(TimeSpan.FromHours(4));
        Assert.Equal(0.5, RelayEconomicsCalculator.ConsensusGamesPerHour(transfers, Relay, _books.Clock.GetUtcNow()));
        _books.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0.0, RelayEconomicsCalculator.ConsensusGamesPerHour(transfers, Relay, _books.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task TheAdviceWeighsTheReportedPendingGamesAtTheRelaysRate()
    {
        await OpenRelayAsync(funding: Mcp);
        for (var i = 1; i <= 60; i++)
        {
            await DepositAsync($"g{i}");
        }

        var economics = await ComputeAsync(new PendingStamps(8, TimeSpan.Zero, TimeSpan.FromMinutes(2)));

        // 60 stamps in the last hour: the figures of the optimiser's own 8-pending, 60-games/h case.
        Assert.Equal(StampBatchOptimiser.Advise(new StampBatchSituation(8, 60, TimeSpan.Zero, TimeSpan.FromMinutes(2)), StampBatchRules.Of(Deposit)), economics.Advice, AdviceComparer.Instance);
        Assert.Equal(StampBatchAction.Wait, economics.Advice.Action);
    }

    [Fact]
    public void BucketsAlignToTheirWidthInUtc()
    {
        var at = new DateTimeOffset(2026, 11, 21, 13, 47, 31, TimeSpan.FromHours(2));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 47, 0, TimeSpan.Zero), RelayEconomicsCalculator.BucketStart(at, EconomicsBucket.Minute));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.Zero), RelayEconomicsCalculator.BucketStart(at, EconomicsBucket.Hour));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero), RelayEconomicsCalculator.BucketStart(at, EconomicsBucket.Day));
    }

    private async Task<RelayEconomics> ComputeAsync(PendingStamps pending, EconomicsBucket bucket = EconomicsBucket.Hour, int buckets = 48)
    {
        var accountIds = RelayEconomicsCalculator.AccountsOf(Relay).Select(a => a.AccountId).ToList();
        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        foreach (var id in accountIds)
        {
            if (await _books.Store.GetAccountAsync(id) is { } account)
            {
                accounts[id] = account;
            }
        }
        var transfers = await _books.Store.TransfersOfAsync(accountIds);
        var stamps = transfers.Where(t => t.Code == TransferCodes.StampDeposit).Select(t => t.Reference!).ToList();
        var burns = await _books.Store.TransfersReferencingAsync(stamps, TransferCodes.StampBurn);
        return RelayEconomicsCalculator.Compute(new RelayLedgerActivity(Relay, accounts, transfers, burns),
            new EconomicsWindow(bucket, buckets, _books.Clock.GetUtcNow()), StampBatchRules.Of(Deposit), pending);
    }

    private async Task OpenRelayAsync(long funding)
    {
        await _books.OpenAsync(Wallet, funding);
        await _books.OpenAsync(Stake);
        await _books.OpenAsync(Trainer);
        await _books.OpenAsync("api-client", Mcp);
        await MoveAsync("fund-subsidy-pool", SystemAccounts.Treasury, SystemAccounts.SubsidyPool, Mcp, TransferCodes.SubsidyFunding);
        await MoveAsync("fund-reward-pool", SystemAccounts.Treasury, SystemAccounts.RewardPool, Mcp, TransferCodes.Issuance);
    }

    private Task DepositAsync(string stampId) => MoveAsync("stamp-deposit:" + stampId, Wallet, SystemAccounts.StampEscrow, Deposit, TransferCodes.StampDeposit, stampId);

    private async Task MoveAsync(string id, string from, string to, long amount, int code, string? reference = null, TransferKind kind = TransferKind.Immediate) =>
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(new TransferRequest(id, from, to, amount, code, kind, TimeoutSeconds: kind == TransferKind.Pending ? 60 : 0, Reference: reference)));

    /// <summary>Advice records compare by value, their reasons by content.</summary>
    private sealed class AdviceComparer : IEqualityComparer<StampBatchAdvice>
    {
        public static readonly AdviceComparer Instance = new();

        public bool Equals(StampBatchAdvice? x, StampBatchAdvice? y) =>
            x is not null && y is not null && x == y with { Reasons = x.Reasons } && x.Reasons.SequenceEqual(y.Reasons);

        public int GetHashCode(StampBatchAdvice obj) => obj.Action.GetHashCode();
    }
}
