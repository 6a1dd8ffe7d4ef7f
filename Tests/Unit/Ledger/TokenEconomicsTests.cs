using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The design's numbers, computed by hand, against the integer implementation.</summary>
public sealed class TokenEconomicsTests
{
    [Fact]
    public void GameRewardsAreTheBaseTimesTheWeightedFactors()
    {
        // Teaching: 10 MCP × (0.8×1.5 + 0.9×1.2 + 0.1×3.0) = 10 × 2.58 = 25.8 MCP.
        Assert.Equal(25_800_000_000, TokenEconomics.GameReward(GameClass.Teaching, 8_000, 9_000, 1_000));
        // Dogfight: 5 MCP × (0.5×1.5 + 0.2×1.2 + 0) = 5 × 0.99 = 4.95 MCP.
        Assert.Equal(4_950_000_000, TokenEconomics.GameReward(GameClass.Dogfight, 5_000, 2_000, 0));
        // The largest multiplier is 1.5 + 1.2 + 3.0 = 5.7; out-of-range factors are clamped to [0, 1].
        Assert.Equal(57_000_000_000, TokenEconomics.GameReward(GameClass.Teaching, 20_000, 10_000, 10_000));
        Assert.Equal(0, TokenEconomics.GameReward(GameClass.Standard, 10_000, 10_000, 10_000));
        // 1 bp of rarity on a dogfight: 5e9 × 15 / 100,000 = 750,000 units exactly.
        Assert.Equal(750_000, TokenEconomics.GameReward(GameClass.Dogfight, 1, 0, 0));
    }

    [Fact]
    public void RevenueSplitsFortyThirtyTwentyTenWithRemaindersToTheTreasury()
    {
        // 1,000 units: data 400 over 3 → 133 each (1 left), relays 300 over 2 → 150 each, trainers 200 over 1,
        // treasury 100 + 1 = 101.
        var legs = TokenEconomics.RevenueSplit(1_000, ["p1", "p2", "p3"], ["r1", "r2"], ["t1"]);
        Assert.Equal(1_000, legs.Sum(l => l.Amount));
        Assert.Equal([133L, 133, 133], legs.Where(l => l.Code == TransferCodes.RevenueData).Select(l => l.Amount));
        Assert.Equal([150L, 150], legs.Where(l => l.Code == TransferCodes.RevenueRelay).Select(l => l.Amount));
        Assert.Equal(200, legs.Single(l => l.Code == TransferCodes.RevenueTrainer).Amount);
        Assert.Equal(101, legs.Single(l => l.AccountId == SystemAccounts.Treasury).Amount);

        // No trainers: their 20 % is the treasury's. 7 units: 2 (40 % of 7 = 2.8) + 2 (2.1) + treasury 3.
        var small = TokenEconomics.RevenueSplit(7, ["p1"], ["r1"], []);
        Assert.Equal([("p1", 2L), ("r1", 2L), (SystemAccounts.Treasury, 3L)], small.Select(l => (l.AccountId, l.Amount)));
    }

    [Fact]
    public void ContributionRewardsShareEightyPercentByScoreAndTwentyAsATopBonus()
    {
        Contribution[] session =
        [
            new("a", 3_600, 9_500, 1_000_000, 10_000), // compute 4000 + quality 2850 + data 2000 + uptime 1000 = 9850, ×1.1 = 10835
            new("b", 1_800, 8_000, 500_000, 5_000),    // 2000 + 2400 + 1000 + 500 = 5900
            new("c", 0, 0, 0, 0),                      // 0
            new("d", 900, 9_000, 250_000, 10_000),     // 1000 + 2700 + 500 + 1000 = 5200 (90 % is not above 90 %)
        ];
        Assert.Equal(10_835, TokenEconomics.ContributionScore(session[0], 3_600, 1_000_000));
        Assert.Equal(5_200, TokenEconomics.ContributionScore(session[3], 3_600, 1_000_000));

        // Pool 1,000: 800 by score (total 21,935): a 395.17→395, b 215.18→215, d 189.65→189 + the leftover 1 to
        // the largest remainder (d, .65) = 190; bonus 200 to the top three (a, b, d): 67, 67, 66.
        var legs = TokenEconomics.ContributionRewards(1_000, session);
        Assert.Equal(1_000, legs.Sum(l => l.Amount));
        Assert.Equal([("a", 395L), ("b", 215L), ("d", 190L)], legs.Where(l => l.Code == TransferCodes.ContributionReward).Select(l => (l.AccountId, l.Amount)));
        Assert.Equal([("a", 67L), ("b", 67L), ("d", 66L)], legs.Where(l => l.Code == TransferCodes.ContributionBonus).Select(l => (l.AccountId, l.Amount)));
    }

    [Fact]
    public void ApportionmentAlwaysSumsExactly()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 2_000; trial++)
        {
            var amount = random.NextInt64(0, long.MaxValue / 2);
            var weights = Enumerable.Range(0, random.Next(1, 12)).Select(i => ($"x{i}", random.NextInt64(0, 1_000_000))).ToList();
            var shares = TokenEconomics.Apportion(amount, weights);
            Assert.Equal(amount, shares.Sum(s => s.Amount));
            Assert.All(shares, s => Assert.True(s.Amount >= 0));
        }
    }
}
