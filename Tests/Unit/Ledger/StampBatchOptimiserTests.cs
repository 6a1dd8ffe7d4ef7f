using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>
/// The batch optimiser against hand-computed figures. Rules as the cluster has them: a batch of 10 stamps earns the
/// HighQualityData subsidy of 0.1 MCP = 100,000,000 units; a stamp's deposit is 0.01 MCP = 10,000,000 units; holding a
/// pending game costs one deposit per hour.
/// </summary>
public sealed class StampBatchOptimiserTests
{
    private const long Deposit = 10_000_000;
    private static readonly StampBatchRules Rules = StampBatchRules.Of(Deposit);
    private static readonly TimeSpan TwoMinutes = TimeSpan.FromMinutes(2);

    [Fact]
    public void TheRulesAreTheSubsidyPoolsHighQualityDataRule()
    {
        Assert.Equal((10, 100_000_000L, Deposit, Deposit), (Rules.Threshold, Rules.Subsidy, Rules.DepositPerStamp, Rules.HoldingCostPerGameHour));
    }

    [Fact]
    public void WaitsWhenTheBatchIsShortOfTheSubsidyThresholdAndGamesArriveFast()
    {
        // 8 pending, 60 games/h, 2 minutes left: N ~ Poisson(2); P(N ≥ 2) = 1 − 3e⁻² = 0.59399415…
        // E[min(T₂, 1/30 h)] = (2/60)·P(N ≥ 3) + (1/30)·P(N ≤ 1) = 0.0243109811 h; holding 8 × that × 10⁷ → 1,944,879.
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(8, 60, TimeSpan.Zero, TwoMinutes), Rules);
        Assert.Equal(StampBatchAction.Wait, advice.Action);
        Assert.Equal(-80_000_000, advice.SubmitNow);
        Assert.Equal(59_399_415 - 80_000_000 - 1_944_879, advice.Wait);
        Assert.Equal(5_940, advice.ChanceToReachThresholdBasisPoints);
        Assert.Equal(2.0 / 60, advice.ExpectedHoursToThreshold!.Value, 4);
        Assert.Contains(advice.Reasons, r => r.StartsWith("Wait:", StringComparison.Ordinal));
    }

    [Fact]
    public void SubmitsAtTheThresholdBecauseWaitingEarnsNoMore()
    {
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(10, 60, TimeSpan.Zero, TwoMinutes), Rules);
        // The subsidy pays the deposits of exactly ten stamps; waiting would earn the same one subsidy later.
        Assert.Equal((StampBatchAction.SubmitNow, 0L, 0L), (advice.Action, advice.SubmitNow, advice.Wait));
        Assert.Equal(10_000, advice.ChanceToReachThresholdBasisPoints);
        // Amounts in the reasons read as MCP, exactly.
        Assert.Contains("earns the 0.1 MCP subsidy", advice.Reasons[0], StringComparison.Ordinal);
        Assert.Contains("Deposits of 10 × 0.01 MCP = 0.1 MCP", string.Join(" ", advice.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void SubmitsOnceTheOldestGameHasWaitedTheBound()
    {
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(9, 600, TwoMinutes, TwoMinutes), Rules);
        Assert.Equal(StampBatchAction.SubmitNow, advice.Action);
        Assert.Equal((-90_000_000L, -90_000_000L), (advice.SubmitNow, advice.Wait));
        Assert.Equal("Submit now: -0.09 MCP expected against -0.09 MCP for waiting.", advice.Reasons[^1]);
        Assert.Contains("the bound of 120 s", advice.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void SubmitsWhenNoGamesWereStampedRecently()
    {
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(3, 0, TimeSpan.Zero, TwoMinutes), Rules);
        // No chance of the subsidy, and three games held for the whole two minutes: 3 × 1/30 h × 10⁷ = 1,000,000.
        Assert.Equal((StampBatchAction.SubmitNow, -30_000_000L, -31_000_000L), (advice.Action, advice.SubmitNow, advice.Wait));
        Assert.Null(advice.ExpectedHoursToThreshold);
        Assert.Equal(0, advice.ChanceToReachThresholdBasisPoints);
    }

    [Fact]
    public void SubmitsWhenTheThresholdIsOutOfReachBeforeTheBound()
    {
        // 1 pending, 6 games/h: 9 more in 2 minutes (Poisson(0.2)) has a chance of about 10⁻¹⁰, worth nothing.
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(1, 6, TimeSpan.Zero, TwoMinutes), Rules);
        Assert.Equal(StampBatchAction.SubmitNow, advice.Action);
        Assert.True(advice.Wait < advice.SubmitNow);
        Assert.Equal(1.5, advice.ExpectedHoursToThreshold);
    }

    [Fact]
    public void HoldingCostTipsALongShotTowardSubmittingNow()
    {
        // 5 pending at 120 games/h with 2 minutes left: P(Poisson(4) ≥ 5) = 0.37116; worth waiting for free,
        // but not when each game-hour of holding costs a whole subsidy.
        var cheap = StampBatchOptimiser.Advise(new StampBatchSituation(5, 120, TimeSpan.Zero, TwoMinutes), Rules);
        var dear = StampBatchOptimiser.Advise(new StampBatchSituation(5, 120, TimeSpan.Zero, TwoMinutes), Rules with { HoldingCostPerGameHour = 1_000_000_000 });
        Assert.Equal((StampBatchAction.Wait, StampBatchAction.SubmitNow), (cheap.Action, dear.Action));
        Assert.Equal(3_712, cheap.ChanceToReachThresholdBasisPoints);
    }

    [Fact]
    public void NothingPendingMeansNothingToSubmit()
    {
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(0, 60, TimeSpan.Zero, TwoMinutes), Rules);
        Assert.Equal((StampBatchAction.Wait, 0L, 0L), (advice.Action, advice.SubmitNow, advice.Wait));
        Assert.Single(advice.Reasons);
    }

    [Fact]
    public void PoissonTailsMatchTheClosedForms()
    {
        Assert.Equal(1 - (3 * Math.Exp(-2)), StampBatchOptimiser.AtLeast(2, 2), 12);
        Assert.Equal(1 - Math.Exp(-0.5), StampBatchOptimiser.AtLeast(1, 0.5), 12);
        Assert.Equal((1.0, 0.0), (StampBatchOptimiser.AtLeast(0, 0), StampBatchOptimiser.AtLeast(1, 0)));
    }
}
