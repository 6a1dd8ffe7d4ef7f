using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>How the relay agent follows the batch optimiser when it submits stamps.</summary>
public sealed class StampBatchPolicyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private static readonly StampBatchRules Rules = StampBatchRules.Of(10_000_000);

    [Fact]
    public void HoldsTheGamesWhileTheAdviceIsToWait()
    {
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(8, 60, TimeSpan.FromSeconds(10), Bound), Rules);
        Assert.Equal(StampBatchAction.Wait, advice.Action);
        var decision = StampBatchPolicy.Decide(8, TimeSpan.FromSeconds(10), Bound, advice);
        Assert.False(decision.Submit);
        Assert.StartsWith("advice wait", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmitsWhenTheAdviceIsToSubmitNow()
    {
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(10, 60, TimeSpan.Zero, Bound), Rules);
        Assert.True(StampBatchPolicy.Decide(10, TimeSpan.Zero, Bound, advice).Submit);
    }

    [Fact]
    public void SubmitsOnceTheOldestGameReachesTheRelaysBoundWhateverTheAdvice()
    {
        // Advice given for a longer bound than the relay's own still says wait; the relay's bound wins.
        var advice = StampBatchOptimiser.Advise(new StampBatchSituation(8, 60, TimeSpan.Zero, TimeSpan.FromHours(1)), Rules);
        Assert.Equal(StampBatchAction.Wait, advice.Action);
        var decision = StampBatchPolicy.Decide(8, Bound, Bound, advice);
        Assert.True(decision.Submit);
        Assert.Contains("the bound of 120 s", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmitsWithoutAdviceSoAGatewayWithoutTheRouteStampsAsBefore()
    {
        var decision = StampBatchPolicy.Decide(3, TimeSpan.Zero, Bound, null, "the economics route answered 404");
        Assert.True(decision.Submit);
        Assert.Contains("404", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HasNothingToSubmitWithNothingPending()
    {
        Assert.False(StampBatchPolicy.Decide(0, TimeSpan.FromHours(1), Bound, null).Submit);
    }
}
