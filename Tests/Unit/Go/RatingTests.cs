using OrleansGoRelay.Go.Ratings;

namespace OrleansGoRelay.Tests.Go;

public sealed class RatingTests
{
    [Fact]
    public void Glicko2ReproducesGlickmansWorkedExample()
    {
        // Glickman, "Example of the Glicko-2 system": 1500/200/0.06 beats 1400/30, loses to 1550/100 and 1700/300.
        var player = new Glicko2Rating(1500, 200, 0.06);
        var games = new[]
        {
            new Glicko2Game(new Glicko2Rating(1400, 30, 0.06), 1),
            new Glicko2Game(new Glicko2Rating(1550, 100, 0.06), 0),
            new Glicko2Game(new Glicko2Rating(1700, 300, 0.06), 0),
        };
        var after = new Glicko2Calculator(Tau: 0.5).Update(player, games);
        // The paper prints 1464.06 from rounded intermediate values; exact arithmetic gives 1464.0507, within its
        // published precision of a hundredth.
        Assert.InRange(after.Value, 1464.05, 1464.07);
        Assert.Equal(151.52, Math.Round(after.Deviation, 2));
        // Printed 0.05999; exactly 0.0599959..., again within the printed precision.
        Assert.InRange(after.Volatility, 0.05999, 0.06000);
    }

    [Fact]
    public void APeriodWithoutGamesOnlyWidensTheDeviation()
    {
        var after = new Glicko2Calculator().Update(new Glicko2Rating(1700, 50, 0.06), []);
        Assert.Equal(1700, after.Value);
        Assert.Equal(Math.Sqrt(50.0 / 173.7178 * (50.0 / 173.7178) + 0.06 * 0.06) * 173.7178, after.Deviation, 9);
    }

    [Fact]
    public void OgsRankScalePutsOneDanNear1918AndHandicapRaisesBlack()
    {
        Assert.Equal(1918.5, Math.Round(RatingScale.RatingOf(new Rank(RankKind.Dan, 1)), 1)); // 525·e^(30/23.15)
        Assert.Equal(30, RatingScale.RankOf(RatingScale.RatingOf(30)), 9);
        Assert.Equal("1k", Rank.FromValue(RatingScale.RankOf(1850)).ToString());
        var kyu = new Glicko2Rating(RatingScale.RatingOf(new Rank(RankKind.Kyu, 5)), 60, 0.06);
        var dan = new Glicko2Rating(RatingScale.RatingOf(new Rank(RankKind.Kyu, 1)), 60, 0.06);
        // Four ranks apart: even, the kyu player is the underdog; with four stones the game is about even.
        Assert.True(RatingScale.ExpectedBlackScore(kyu, dan, 0) < 0.3);
        Assert.InRange(RatingScale.ExpectedBlackScore(kyu, dan, 4), 0.45, 0.55);
    }

    [Fact]
    public void EloIsLogisticOnFourHundredPoints()
    {
        Assert.Equal(0.5, EloCalculator.ExpectedScore(1500, 1500));
        Assert.Equal(1 / 11.0, EloCalculator.ExpectedScore(1500, 1900), 12);
        Assert.Equal(1516, new EloCalculator(32).Update(1500, 1500, 1));
    }

    [Fact]
    public void OpponentSearchReturnsPlayersInRangeClosestFirst()
    {
        var search = new OpponentSearch(Enumerable.Range(0, 1000).Select(i => new RatedPlayer($"p{i}", 1000 + i * 3)));
        var found = search.Find(1500, 10, exclude: "p167");
        Assert.Equal(["p166", "p168", "p165", "p169", "p164", "p170"], found.Select(p => p.PlayerId));
        Assert.All(found, p => Assert.InRange(p.Rating, 1490, 1510));
        Assert.Single(search.Find(1000, 0));
        Assert.Empty(search.Find(10_000, 100));
        Assert.Equal(3, search.Find(2000, 1000, limit: 3).Count);
    }
}
