using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Aggregation;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class ClientSamplingTests
{
    private static SamplingCandidate[] Candidates(params double[] stakes) =>
        [.. stakes.Select((s, i) => new SamplingCandidate($"relay{i}", s))];

    [Fact]
    public void ARoundTakesTheFractionOfAvailableClientsRoundedUpButAtLeastTheMinimum()
    {
        var sampler = new ClientSampler(0.1, minimum: 2, SamplingMode.Uniform, seed: 1);
        Assert.Equal(3, sampler.CountFor(30));
        Assert.Equal(4, sampler.CountFor(31));
        Assert.Equal(2, sampler.CountFor(5));
        Assert.Equal(3, sampler.Sample(Candidates([.. Enumerable.Repeat(1.0, 30)]), round: 0).Count);
    }

    [Fact]
    public void TheSampleIsDeterministicForASeedAndRoundWhateverTheCandidateOrder()
    {
        var candidates = Candidates(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        var sampler = new ClientSampler(0.3, minimum: 1, SamplingMode.StakeWeighted, seed: 42);
        var first = sampler.Sample(candidates, round: 7);
        Assert.Equal(first, new ClientSampler(0.3, 1, SamplingMode.StakeWeighted, 42).Sample([.. candidates.Reverse()], round: 7));
        Assert.Equal(3, first.Count);
        Assert.Equal(first.Order(StringComparer.Ordinal), first);
        var rounds = Enumerable.Range(0, 20).Select(r => string.Join(",", sampler.Sample(candidates, r))).Distinct().Count();
        Assert.True(rounds > 5, $"20 rounds drew only {rounds} distinct sets.");
    }

    [Fact]
    public void ZeroStakeCandidatesAreNeverPickedWhenStakeWeighted()
    {
        var candidates = Candidates(0, 3, 0, 1, 0, 2, 0, 5, 0, 1);
        var sampler = new ClientSampler(1.0, minimum: 1, SamplingMode.StakeWeighted, seed: 3);
        for (var round = 0; round < 200; round++)
        {
            Assert.Equal(["relay1", "relay3", "relay5", "relay7", "relay9"], sampler.Sample(candidates, round));
        }
        var uniform = new ClientSampler(0.5, minimum: 1, SamplingMode.Uniform, seed: 3);
        Assert.Contains(Enumerable.Range(0, 50).SelectMany(r => uniform.Sample(candidates, r)), id => id == "relay0");
    }

    [Fact]
    public void SamplingRefusesFewerEligibleCandidatesThanTheMinimum()
    {
        var sampler = new ClientSampler(0.5, minimum: 3, SamplingMode.StakeWeighted, seed: 1);
        var refused = Assert.Throws<AggregationRefusedException>(() => sampler.Sample(Candidates(1, 0, 2, 0), round: 9));
        Assert.Contains("at least 3 clients; 2 eligible", refused.Message, StringComparison.Ordinal);
        Assert.Contains("2 of the 4 candidates have no stake", refused.Message, StringComparison.Ordinal);
        Assert.Throws<AggregationRefusedException>(() => new ClientSampler(0.5, 3, SamplingMode.Uniform, 1).Sample(Candidates(1, 1), 0));
    }

    [Fact]
    public void SamplingRejectsNegativeStakesAndRepeatedCandidates()
    {
        var sampler = new ClientSampler(0.5, minimum: 1, SamplingMode.StakeWeighted, seed: 1);
        Assert.Throws<ArgumentException>(() => sampler.Sample(Candidates(1, -1), 0));
        Assert.Throws<ArgumentException>(() => sampler.Sample(Candidates(1, double.NaN), 0));
        Assert.Throws<ArgumentException>(() => sampler.Sample([new("a", 1), new("a", 2)], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientSampler(0, 1, SamplingMode.Uniform, 1));
    }

    [Fact]
    public void OneStakeWeightedPickFollowsTheStakes()
    {
        // Stakes 1, 2, 3, 4: P = 0.1, 0.2, 0.3, 0.4. Over N = 20,000 rounds each count must lie within 4.5 binomial
        // standard deviations √(N·p·(1 − p)) of N·p (the seed makes the outcome fixed; the bound says it is not luck).
        var sampler = new ClientSampler(0.01, minimum: 1, SamplingMode.StakeWeighted, seed: 11);
        AssertFrequencies(sampler, Candidates(1, 2, 3, 4), [0.1, 0.2, 0.3, 0.4], rounds: 20_000);
    }

    [Fact]
    public void TwoStakeWeightedPicksWithoutReplacementHaveTheEfraimidisSpirakisInclusionProbabilities()
    {
        // Stakes 1, 1, 2, two picks: P(c in) = P(c first) + P(a first)·2/3 + P(b first)·2/3 = 1/2 + 1/6 + 1/6 = 5/6;
        // P(a in) = 1/4 + P(b first)·1/3 + P(c first)·1/2 = 1/4 + 1/12 + 1/4 = 7/12, as for b (sum 2).
        var sampler = new ClientSampler(0.5, minimum: 2, SamplingMode.StakeWeighted, seed: 12);
        AssertFrequencies(sampler, Candidates(1, 1, 2), [7.0 / 12, 7.0 / 12, 5.0 / 6], rounds: 20_000);
    }

    [Fact]
    public void UniformSamplingPicksEveryCandidateEquallyOften()
    {
        // 3 of 10: each candidate is in with probability 0.3, whatever its stake.
        var sampler = new ClientSampler(0.3, minimum: 1, SamplingMode.Uniform, seed: 13);
        AssertFrequencies(sampler, Candidates(1, 100, 0, 5, 1, 1, 1, 1, 1, 1), [.. Enumerable.Repeat(0.3, 10)], rounds: 10_000);
    }

    private static void AssertFrequencies(ClientSampler sampler, SamplingCandidate[] candidates, double[] probabilities, int rounds)
    {
        var counts = new int[candidates.Length];
        for (var round = 0; round < rounds; round++)
        {
            foreach (var id in sampler.Sample(candidates, round))
            {
                counts[int.Parse(id["relay".Length..], System.Globalization.CultureInfo.InvariantCulture)]++;
            }
        }
        for (var i = 0; i < candidates.Length; i++)
        {
            var mean = rounds * probabilities[i];
            var sigma = Math.Sqrt(rounds * probabilities[i] * (1 - probabilities[i]));
            Assert.True(Math.Abs(counts[i] - mean) <= 4.5 * sigma,
                $"relay{i}: picked {counts[i]} times in {rounds} rounds; expected {mean:F0} ± {4.5 * sigma:F0}.");
        }
    }
}
