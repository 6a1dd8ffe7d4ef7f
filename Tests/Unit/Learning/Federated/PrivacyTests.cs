using System.Diagnostics;
using System.Text.Json;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Privacy;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Learning.Federated;

/// <summary>DP-FedAvg: clipping, the fixed-denominator aggregate and its noise, seeded noise, adaptive clipping, the budget.</summary>
public sealed class PrivacyTests(ITestOutputHelper output)
{
    [Fact]
    public void ClippingScalesALongDeltaDownToTheClipNorm()
    {
        float[] delta = [3, 4, 0, 12]; // norm 13
        var clipped = L2Clipping.Clip(delta, 6.5);
        Assert.True(clipped.WasClipped);
        Assert.Equal(13, clipped.Norm, 1e-12);
        Assert.Equal(6.5, L2Clipping.Norm(clipped.Delta), 6.5 * 1e-5);
        Assert.True(L2Clipping.Norm(clipped.Delta) <= 6.5);
        // Same direction: half of every entry.
        for (var i = 0; i < delta.Length; i++)
        {
            Assert.Equal(delta[i] / 2, clipped.Delta[i], 1e-5);
        }
        Assert.Equal(new[] { 3f, 4f, 0f, 12f }, delta);
    }

    [Fact]
    public void ClippingLeavesAShortDeltaUnchanged()
    {
        float[] delta = [0.3f, -0.4f]; // norm 0.5
        var clipped = L2Clipping.Clip(delta, 1.0);
        Assert.False(clipped.WasClipped);
        Assert.Equal(delta, clipped.Delta);
        Assert.Equal(0.5, clipped.Norm, 1e-7);
        var zero = L2Clipping.Clip(new float[5], 1.0);
        Assert.False(zero.WasClipped);
        Assert.Equal(new float[5], zero.Delta);
    }

    [Fact]
    public void ClippedLongRandomDeltasHaveExactlyTheClipNorm()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 20; trial++)
        {
            var delta = new float[100_003];
            for (var i = 0; i < delta.Length; i++)
            {
                delta[i] = (float)(random.NextDouble() - 0.5);
            }
            var norm = Math.Sqrt(delta.Sum(v => (double)v * v));
            var clipNorm = norm * (0.1 + 0.8 * random.NextDouble());
            var (measured, wasClipped) = L2Clipping.ClipInPlace(delta, clipNorm);
            Assert.True(wasClipped);
            Assert.Equal(norm, measured, norm * 1e-6);
            var after = Math.Sqrt(delta.Sum(v => (double)v * v));
            Assert.True(after <= clipNorm && after >= clipNorm * (1 - 2e-6), $"clipped norm {after} against S = {clipNorm}");
        }
    }

    [Fact]
    public void StandardNormalsHaveMeanZeroVarianceOneAndGaussianTails()
    {
        var samples = new float[4_000_000];
        GaussianNoise.Fill(samples, 1.0, seed: 42, stream: 0);
        double sum = 0, sumSquares = 0, sumFourth = 0;
        int withinOne = 0, beyondThree = 0;
        foreach (var s in samples)
        {
            sum += s;
            sumSquares += (double)s * s;
            sumFourth += (double)s * s * s * s;
            withinOne += Math.Abs(s) <= 1 ? 1 : 0;
            beyondThree += Math.Abs(s) > 3 ? 1 : 0;
        }
        var n = (double)samples.Length;
        var mean = sum / n;
        var variance = sumSquares / n - mean * mean;
        // Standard errors: mean 1/√n = 5e-4, variance √(2/n) = 7e-4, kurtosis √(24/n) = 2.4e-3; five of them allowed.
        Assert.True(Math.Abs(mean) < 2.5e-3, $"mean {mean}");
        Assert.True(Math.Abs(variance - 1) < 3.5e-3, $"variance {variance}");
        Assert.True(Math.Abs(sumFourth / n / (variance * variance) - 3) < 0.02, "kurtosis 3");
        // P(|Z| ≤ 1) = 0.682689, P(|Z| > 3) = 0.0026998.
        Assert.True(Math.Abs(withinOne / n - 0.682689) < 1.2e-3);
        Assert.True(Math.Abs(beyondThree / n - 0.0026998) < 1.5e-4);
    }

    [Fact]
    public void SeededNoiseIsReproducibleToTheBitAndIndependentOfTheVectorLength()
    {
        var first = new float[300_001];
        var second = new float[300_001];
        GaussianNoise.Fill(first, 0.7, seed: 9, stream: 3);
        GaussianNoise.Fill(second, 0.7, seed: 9, stream: 3);
        Assert.Equal(first, second);
        // A longer vector of the same draw starts with the same coordinates (chunks are seeded by position).
        var longer = new float[500_000];
        GaussianNoise.Fill(longer, 0.7, seed: 9, stream: 3);
        Assert.Equal(first.AsSpan(0, 300_000).ToArray(), longer.AsSpan(0, 300_000).ToArray());
        // Another seed or stream draws other noise.
        var otherSeed = new float[300_001];
        var otherStream = new float[300_001];
        GaussianNoise.Fill(otherSeed, 0.7, seed: 10, stream: 3);
        GaussianNoise.Fill(otherStream, 0.7, seed: 9, stream: 4);
        Assert.True(CountEqual(first, otherSeed) < 100);
        Assert.True(CountEqual(first, otherStream) < 100);
        // Add adds the same draw.
        var added = Enumerable.Repeat(1f, 300_001).ToArray();
        GaussianNoise.Add(added, 0.7, seed: 9, stream: 3);
        for (var i = 0; i < added.Length; i += 997)
        {
            Assert.Equal(1f + first[i], added[i]);
        }
    }

    [Fact]
    public void NoiseGenerationRunsAtMillionsOfSamplesASecond()
    {
        var samples = new float[8_000_000];
        GaussianNoise.Fill(samples, 1.0, seed: 1, stream: 0); // warm up
        var watch = Stopwatch.StartNew();
        GaussianNoise.Add(samples, 1.0, seed: 1, stream: 1);
        watch.Stop();
        var perSecond = samples.Length / watch.Elapsed.TotalSeconds;
        output.WriteLine($"{perSecond / 1e6:F1} million Gaussian samples a second ({Environment.ProcessorCount} cores)");
        Assert.True(perSecond > 5e6, $"{perSecond:N0} samples a second");
    }

    [Fact]
    public void AggregateIsTheClippedWeightedSumOverTheExpectedRoundWeight()
    {
        // S = 1, no noise, q·N = 0.1·40 = 4 expected clients; uniform weights.
        var options = new DpFedAvgOptions(ClipNorm: 1.0, NoiseMultiplier: 0, SamplingRate: 0.1, Population: 40);
        var aggregator = new DifferentiallyPrivateAggregator(options);
        ClientUpdate[] updates =
        [
            new("a", [0.6f, 0.8f, 0f], 10),   // norm 1: kept
            new("b", [0f, 0f, 2f], 10),       // norm 2: halved to (0, 0, 1)
            new("c", [0.1f, 0f, 0f], 10),     // norm 0.1: kept
        ];
        var aggregate = aggregator.Aggregate(updates);
        // (0.6 + 0 + 0.1, 0.8, 0 + 1) / 4 (the clipped entry is 1 − 10⁻⁶ by the rounding margin).
        Assert.Equal(0.175f, aggregate[0], 1e-6f);
        Assert.Equal(0.2f, aggregate[1], 1e-6f);
        Assert.Equal(0.25f, aggregate[2], 1e-6f);
        var report = aggregator.LastRound!;
        Assert.Equal(3, report.Clients);
        Assert.Equal(1, report.Clipped);
        Assert.Equal(0, report.NoiseStandardDeviation);
        Assert.True(double.IsPositiveInfinity(report.Epsilon));
    }

    [Fact]
    public void CappedWeightsFollowTheExampleCounts()
    {
        // ŵ = 100: 50 examples weigh 0.5, 300 weigh 1. W = 2 over the population, q = 1: qW = 2.
        var options = new DpFedAvgOptions(ClipNorm: 10, NoiseMultiplier: 0, SamplingRate: 1, Population: 2)
        {
            WeightCap = 100,
            PopulationWeight = 2,
        };
        var aggregate = new DifferentiallyPrivateAggregator(options).Aggregate(
        [
            new ClientUpdate("small", [4f, 0f], 50),
            new ClientUpdate("large", [0f, 2f], 300),
        ]);
        Assert.Equal(1f, aggregate[0], 1e-6f); // 0.5·4 / 2
        Assert.Equal(1f, aggregate[1], 1e-6f); // 1·2 / 2
        Assert.Equal(0.5, DifferentiallyPrivateAggregator.WeightOf(50, 100));
        Assert.Equal(1, DifferentiallyPrivateAggregator.WeightOf(500, 100));
        Assert.Equal(1, DifferentiallyPrivateAggregator.WeightOf(3, null));
    }

    [Fact]
    public void NoiseStandardDeviationIsZTimesClipNormOverExpectedWeight()
    {
        // z = 1.2, S = 0.5, q = 0.01, N = 2,000: m = qW = 20 and σ = 1.2·0.5/20 = 0.03.
        const int length = 1_000_000;
        var options = new DpFedAvgOptions(ClipNorm: 0.5, NoiseMultiplier: 1.2, SamplingRate: 0.01, Population: 2_000) { Seed = 5 };
        var aggregator = new DifferentiallyPrivateAggregator(options);
        Assert.Equal(0.03, aggregator.NoiseStandardDeviation, 1e-15);
        var updates = Enumerable.Range(0, 20).Select(i => new ClientUpdate($"c{i}", new float[length], 1)).ToArray();
        var aggregate = aggregator.Aggregate(updates);
        var mean = aggregate.Average(v => (double)v);
        var std = Math.Sqrt(aggregate.Sum(v => ((double)v - mean) * ((double)v - mean)) / length);
        Assert.True(Math.Abs(std - 0.03) < 0.03 * 0.01, $"σ {std}");
        Assert.True(Math.Abs(mean) < 5 * 0.03 / Math.Sqrt(length), $"mean {mean}");
        Assert.Equal(0.03, aggregator.LastRound!.NoiseStandardDeviation, 1e-15);
    }

    [Fact]
    public void OneRoundSpendsOneStepOfTheSampledGaussianMechanism()
    {
        var options = new DpFedAvgOptions(ClipNorm: 1, NoiseMultiplier: 1.1, SamplingRate: 0.02, Population: 1000) { Seed = 1 };
        var aggregator = new DifferentiallyPrivateAggregator(options);
        for (var round = 0; round < 30; round++)
        {
            aggregator.Aggregate(RandomUpdates(new Random(round), 20, 64, maxNorm: 3));
        }
        var accountant = new RdpAccountant();
        accountant.Compose(0.02, 1.1, 30);
        Assert.Equal(accountant.Epsilon(1e-5), aggregator.EpsilonSpent, 1e-12);
        Assert.Equal(accountant.Epsilon(1e-5), aggregator.LastRound!.Epsilon, 1e-12);
        Assert.Equal(30, aggregator.Round);
    }

    [Fact]
    public void SameSeedSameRoundsGiveBitIdenticalAggregates()
    {
        var options = new DpFedAvgOptions(ClipNorm: 1, NoiseMultiplier: 1, SamplingRate: 0.05, Population: 400) { Seed = 77 };
        var first = new DifferentiallyPrivateAggregator(options);
        var second = new DifferentiallyPrivateAggregator(options);
        var updates = RandomUpdates(new Random(3), 20, 50_000, maxNorm: 2);
        var roundZero = first.Aggregate(updates);
        Assert.Equal(roundZero, second.Aggregate(updates));
        // The next round draws fresh noise; another seed draws other noise.
        Assert.NotEqual(roundZero, first.Aggregate(updates));
        var otherSeed = new DifferentiallyPrivateAggregator(options with { Seed = 78 });
        Assert.NotEqual(roundZero, otherSeed.Aggregate(updates));
    }

    [Fact]
    public void ResumedRunDrawsTheSameNoiseAndAccountsTheSameAsAnUninterruptedOne()
    {
        var options = new DpFedAvgOptions(ClipNorm: 0.2, NoiseMultiplier: 1.0, SamplingRate: 0.1, Population: 300)
        {
            Seed = 123,
            AdaptiveClipping = AdaptiveClippingOptions.Recommended(30),
        };
        var rounds = Enumerable.Range(0, 10).Select(r => RandomUpdates(new Random(100 + r), 30, 1000, maxNorm: 4)).ToArray();
        var straight = new DifferentiallyPrivateAggregator(options);
        var straightResults = rounds.Select(u => straight.Aggregate(u)).ToArray();

        var before = new DifferentiallyPrivateAggregator(options);
        for (var r = 0; r < 5; r++)
        {
            before.Aggregate(rounds[r]);
        }
        // Through JSON, as a run would persist it.
        var saved = JsonSerializer.Serialize(before.State);
        var state = JsonSerializer.Deserialize<DpFedAvgState>(saved)!;
        var resumed = new DifferentiallyPrivateAggregator(options, state);
        for (var r = 5; r < 10; r++)
        {
            Assert.Equal(straightResults[r], resumed.Aggregate(rounds[r]));
        }
        Assert.Equal(straight.ClipNorm, resumed.ClipNorm);
        Assert.Equal(straight.EpsilonSpent, resumed.EpsilonSpent);
        Assert.Equal(10, resumed.Round);
    }

    [Fact]
    public void WithoutASeedEachRunDrawsASecretOneThatItsStateCarries()
    {
        var options = new DpFedAvgOptions(ClipNorm: 1, NoiseMultiplier: 1, SamplingRate: 0.1, Population: 100);
        var updates = RandomUpdates(new Random(4), 10, 1000, maxNorm: 1);
        var first = new DifferentiallyPrivateAggregator(options);
        var second = new DifferentiallyPrivateAggregator(options);
        Assert.NotEqual(first.State.Seed, second.State.Seed);
        Assert.NotEqual(first.Aggregate(updates), second.Aggregate(updates));
        // The state carries the drawn seed: a resumed run continues the same noise.
        var resumed = new DifferentiallyPrivateAggregator(options, first.State);
        Assert.Equal(first.Aggregate(updates), resumed.Aggregate(updates));
        // A state drawn with another seed than the options fix is refused.
        Assert.Throws<ArgumentException>(() => new DifferentiallyPrivateAggregator(options with { Seed = first.State.Seed + 1 }, first.State));
    }

    [Fact]
    public void AdaptiveNoiseMultiplierLeavesTheTotalAtZ()
    {
        // z = 1, σ_b = 5: z_Δ = (1 − 1/100)^(−1/2) = 1.0050378152592121.
        Assert.Equal(1.0050378152592121, AdaptiveClipping.DeltaNoiseMultiplier(1, 5), 1e-14);
        // z = 2, σ_b = 2: z_Δ = (1/4 − 1/16)^(−1/2) = √(16/3).
        Assert.Equal(Math.Sqrt(16.0 / 3), AdaptiveClipping.DeltaNoiseMultiplier(2, 2), 1e-14);
        // The two releases compose back to z: z_Δ⁻² + (2σ_b)⁻² = z⁻².
        var zDelta = AdaptiveClipping.DeltaNoiseMultiplier(0.8, 1.5);
        Assert.Equal(1 / (0.8 * 0.8), 1 / (zDelta * zDelta) + 1 / 9.0, 1e-12);
        // σ_b ≤ z/2 leaves nothing for the deltas.
        Assert.Throws<ArgumentException>(() => AdaptiveClipping.DeltaNoiseMultiplier(1, 0.5));
        var options = new DpFedAvgOptions(1, 1.0, 0.1, 100) { AdaptiveClipping = new AdaptiveClippingOptions(0.5, 0.2, 0.4) };
        Assert.Throws<ArgumentException>(() => new DifferentiallyPrivateAggregator(options));
    }

    [Fact]
    public void NoisedFractionAndGeometricUpdateFollowThePaper()
    {
        // 30 of 40 below, m = 50, σ_b = 2.5, noise draw 0.4: ((30 − 20) + 1)/50 + 0.5 = 0.72.
        Assert.Equal(0.72, AdaptiveClipping.NoisedFractionBelow(30, 40, 50, 2.5, 0.4), 1e-12);
        Assert.Equal(1, AdaptiveClipping.NoisedFractionBelow(40, 40, 10, 1, 3));
        // C = 2, b̃ = 0.72, γ = 0.5, η = 0.2: 2·exp(−0.044).
        Assert.Equal(2 * Math.Exp(-0.044), AdaptiveClipping.NextClipNorm(2, 0.72, new AdaptiveClippingOptions(0.5, 0.2, 2.5)), 1e-12);
    }

    [Theory]
    [InlineData(0.5, 5.0)]
    [InlineData(0.8, 8.0)]
    public void AdaptiveClipNormConvergesToTheTargetQuantileOfTheNorms(double quantile, double expected)
    {
        // Norms uniform in [0, 10]: the γ quantile is 10γ. Start far below (0.1), m = 100 clients a round, σ_b = m/20.
        var options = new DpFedAvgOptions(ClipNorm: 0.1, NoiseMultiplier: 1.0, SamplingRate: 0.1, Population: 1000)
        {
            Seed = 2024,
            AdaptiveClipping = new AdaptiveClippingOptions(quantile, 0.2, 5),
        };
        var aggregator = new DifferentiallyPrivateAggregator(options);
        var random = new Random(31);
        var late = new List<double>();
        for (var round = 0; round < 400; round++)
        {
            var updates = Enumerable.Range(0, 100).Select(i =>
            {
                var norm = 10 * random.NextDouble();
                return new ClientUpdate($"c{i}", [(float)(norm * 0.6), (float)(norm * 0.8)], 1);
            }).ToArray();
            aggregator.Aggregate(updates);
            if (round >= 300)
            {
                late.Add(aggregator.ClipNorm);
            }
        }
        var geometricMean = Math.Exp(late.Average(c => Math.Log(c)));
        Assert.True(Math.Abs(geometricMean - expected) < 0.05 * expected, $"clip norm settles at {geometricMean}, quantile {expected}");
        Assert.All(late, c => Assert.InRange(c, 0.8 * expected, 1.2 * expected));
    }

    [Fact]
    public void AggregatorRefusesTheRoundThatWouldExceedTheBudget()
    {
        var options = new DpFedAvgOptions(ClipNorm: 1, NoiseMultiplier: 1.5, SamplingRate: 0.05, Population: 200)
        {
            Seed = 8,
            Budget = new PrivacyBudget(1.0, 1e-5),
        };
        var aggregator = new DifferentiallyPrivateAggregator(options);
        var epsilons = new List<double>();
        while (aggregator.CanAffordRound)
        {
            aggregator.Aggregate(RandomUpdates(new Random(epsilons.Count), 10, 16, maxNorm: 2));
            epsilons.Add(aggregator.LastRound!.Epsilon);
        }
        Assert.InRange(epsilons.Count, 10, 30);
        Assert.True(epsilons[^1] <= 1.0);
        Assert.True(aggregator.EpsilonAfterNextRound > 1.0);
        var spent = aggregator.EpsilonSpent;
        var rounds = aggregator.Round;
        Assert.Throws<AggregationRefusedException>(() => aggregator.Aggregate(RandomUpdates(new Random(0), 10, 16, maxNorm: 2)));
        // Nothing was spent by the refused round.
        Assert.Equal(spent, aggregator.EpsilonSpent);
        Assert.Equal(rounds, aggregator.Round);
        // The number of rounds agrees with the budget's own count.
        Assert.Equal(rounds, options.Budget!.RemainingSteps(new RdpAccountant(), 0.05, 1.5));
    }

    [Fact]
    public void NonFiniteUpdatesContributeNothing()
    {
        var options = new DpFedAvgOptions(ClipNorm: 10, NoiseMultiplier: 0, SamplingRate: 1, Population: 2);
        var aggregator = new DifferentiallyPrivateAggregator(options);
        var aggregate = aggregator.Aggregate(
        [
            new ClientUpdate("good", [2f, 4f], 1),
            new ClientUpdate("broken", [float.NaN, 1f], 1),
        ]);
        Assert.Equal(new[] { 1f, 2f }, aggregate);
        Assert.Equal(1, aggregator.LastRound!.NonFinite);
    }

    private static ClientUpdate[] RandomUpdates(Random random, int clients, int length, double maxNorm)
    {
        var updates = new ClientUpdate[clients];
        for (var k = 0; k < clients; k++)
        {
            var delta = new float[length];
            for (var i = 0; i < length; i++)
            {
                delta[i] = (float)(random.NextDouble() - 0.5);
            }
            var norm = Math.Sqrt(delta.Sum(v => (double)v * v));
            var target = maxNorm * random.NextDouble();
            for (var i = 0; i < length; i++)
            {
                delta[i] = (float)(delta[i] * target / norm);
            }
            updates[k] = new ClientUpdate($"client{k}", delta, 1 + random.Next(100));
        }
        return updates;
    }

    private static int CountEqual(float[] a, float[] b)
    {
        var count = 0;
        for (var i = 0; i < a.Length; i++)
        {
            count += a[i] == b[i] ? 1 : 0;
        }
        return count;
    }
}
