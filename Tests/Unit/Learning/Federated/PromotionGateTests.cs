using OrleansGoRelay.Learning.Federated.Rounds;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class PromotionGateTests
{
    private static readonly GateOptions Options = new(Margin: 0.02, Delta: 0.1);

    [Fact]
    public void ACandidateThatGainsTheMarginIsPromotedByIt()
    {
        var (candidate, promoted) = Positions(1000, candidateOnly: 40, promotedOnly: 10);
        var report = PromotionGate.Judge(candidate, promoted, Options);
        Assert.Equal(("promoted", "margin"), (report.Decision, report.Rule));
        Assert.Equal(3.0, report.Top1Gain, 6);
    }

    [Fact]
    public void AConsistentSmallGainBelowTheMarginIsPromotedByTheSequentialTest()
    {
        // 1.9 points, under the 2-point margin, but 31 wins against 12 on the discordant positions.
        var (candidate, promoted) = Positions(1000, candidateOnly: 31, promotedOnly: 12);
        var report = PromotionGate.Judge(candidate, promoted, Options);
        Assert.Equal(("promoted", "sprt"), (report.Decision, report.Rule));
        Assert.True(report.LogLikelihoodRatio >= report.Bounds[1]);
    }

    [Fact]
    public void ACandidateNoBetterThanThePromotedOneIsRejected()
    {
        var (candidate, promoted) = Positions(1000, candidateOnly: 30, promotedOnly: 30);
        var report = PromotionGate.Judge(candidate, promoted, Options);
        Assert.Equal("rejected", report.Decision);
        var (worse, better) = Positions(1000, candidateOnly: 10, promotedOnly: 60);
        Assert.Equal(("rejected", "sprt"), (PromotionGate.Judge(worse, better, Options).Decision, PromotionGate.Judge(worse, better, Options).Rule));
    }

    [Fact]
    public void TheGateComparesTheSamePositionsOnly() =>
        Assert.Throws<ArgumentException>(() => PromotionGate.Judge([true, false], [true], Options));

    private static (bool[] Candidate, bool[] Promoted) Positions(int count, int candidateOnly, int promotedOnly)
    {
        var candidate = new bool[count];
        var promoted = new bool[count];
        for (var i = 0; i < 200; i++)
        {
            candidate[i] = promoted[i] = true; // both right
        }
        for (var i = 0; i < candidateOnly; i++)
        {
            candidate[200 + i] = true;
        }
        for (var i = 0; i < promotedOnly; i++)
        {
            promoted[200 + candidateOnly + i] = true;
        }
        return (candidate, promoted);
    }
}
