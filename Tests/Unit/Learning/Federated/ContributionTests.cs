using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class ContributionTests
{
    [Fact]
    public void MonteCarloShapleyOfAnAdditiveGameIsEachPlayersOwnValueAndSumsToTheGrandCoalition()
    {
        double[] own = [0.05, 0.01, 0.0, -0.02];
        var estimator = new ShapleyEstimator(set => 0.2 + set.Sum(i => own[i]));
        var values = estimator.MonteCarlo(4, 3, seed: 1);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(own[i], values[i], 12);
        }
        Assert.Equal(own, estimator.LeaveOneOut(4).Select(v => Math.Round(v, 12)));
        Assert.True(estimator.Evaluations <= 16); // cached: at most one evaluation per subset of 4 clients
    }

    [Fact]
    public void ShapleySharesASynergyEquallyWhereLeaveOneOutSeesItTwice()
    {
        // Clients 0 and 1 are only useful together (utility 0.1 when both are present); client 2 adds nothing.
        var estimator = new ShapleyEstimator(set => set.Contains(0) && set.Contains(1) ? 0.1 : 0);
        var values = estimator.MonteCarlo(3, 400, seed: 2);
        // In every order the later of 0 and 1 completes the pair and gets 0.1: together exactly 0.1, each 0.05 in
        // expectation (400 orders: standard deviation 0.0025 each), client 2 exactly 0.
        Assert.Equal(0.1, values[0] + values[1], 12);
        Assert.InRange(values[0], 0.04, 0.06);
        Assert.Equal(0, values[2], 12);
        Assert.Equal([0.1, 0.1, 0], estimator.LeaveOneOut(3));
    }

    [Fact]
    public void ContributionsFeedTheLedgersSplitAndAClientThatAddsNothingEarnsNoQualityShare()
    {
        ClientObservation[] observations =
        [
            new("relay-a", 120, 0.9, 4_000_000, 5, 5, 0.03),
            new("relay-b", 100, 0.5, 4_000_000, 4, 5, 0.01),
            new("relay-c", 110, -0.8, 4_000_000, 5, 5, -0.02),
        ];
        var byShapley = ContributionValues.ToContributions(observations, QualitySource.Shapley);
        Assert.Equal([10_000, 3_333, 0], byShapley.Select(c => c.GradientQualityBp));
        Assert.Equal([10_000, 8_000, 10_000], byShapley.Select(c => c.UptimeBp));
        var byAgreement = ContributionValues.ToContributions(observations, QualitySource.Agreement);
        Assert.Equal([9_000, 5_000, 0], byAgreement.Select(c => c.GradientQualityBp));

        var legs = ContributionValues.Settle(1_000_000, observations, QualitySource.Shapley);
        Assert.Equal(1_000_000, legs.Sum(l => l.Amount));
        var paid = legs.GroupBy(l => l.AccountId).ToDictionary(g => g.Key, g => g.Sum(l => l.Amount));
        Assert.True(paid["relay-a"] > paid["relay-b"]);
        // relay-c computed as long as relay-a but its updates pulled the model back: it earns less than relay-a.
        Assert.True(paid["relay-c"] < paid["relay-a"]);
        Assert.Equal(TokenEconomics.ContributionRewards(1_000_000, byShapley), legs);
    }
}
