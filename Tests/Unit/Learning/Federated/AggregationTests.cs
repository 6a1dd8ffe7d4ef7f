using System.Diagnostics;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Aggregation;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class AggregationTests(ITestOutputHelper output)
{
    private static ClientUpdate Update(string id, params float[] delta) => new(id, delta, 1);

    private static ClientUpdate Weighted(string id, long examples, params float[] delta) => new(id, delta, examples);

    [Fact]
    public void FedAvgWeightsDeltasByTheirExampleCounts()
    {
        // (1·1 + 3·4) / 4 = 3.25 and (1·2 + 3·8) / 4 = 6.5.
        var aggregate = new FedAvg().Aggregate([Weighted("a", 1, 1f, 2f), Weighted("b", 3, 4f, 8f)]);
        Assert.Equal([3.25f, 6.5f], aggregate);
    }

    [Fact]
    public void UnweightedFedAvgIsThePlainMean()
    {
        var aggregate = new FedAvg(weightByExamples: false).Aggregate([Weighted("a", 1, 1f, 2f), Weighted("b", 3, 4f, 8f)]);
        Assert.Equal([2.5f, 5f], aggregate);
    }

    [Fact]
    public void FedAvgRefusesARoundWithoutUpdatesAndRejectsUpdatesWithoutExamples()
    {
        Assert.Throws<AggregationRefusedException>(() => new FedAvg().Aggregate([]));
        var error = Assert.Throws<ArgumentException>(() => new FedAvg().Aggregate([Weighted("a", 0, 1f)]));
        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRuleRejectsUpdatesOfDifferentLengthsNonFiniteValuesAndRepeatedClients()
    {
        IAggregationRule[] rules = [new FedAvg(), new CoordinateMedian(), new TrimmedMean(0.1), new Krum(0), new Bulyan(0)];
        foreach (var rule in rules)
        {
            Assert.Throws<ArgumentException>(() => rule.Aggregate([Update("a", 1f, 2f), Update("b", 1f), Update("c", 1f, 2f)]));
            var nan = Assert.Throws<ArgumentException>(() => rule.Aggregate([Update("a", 1f), Update("b", float.NaN), Update("c", 1f)]));
            Assert.Contains("'b'", nan.Message, StringComparison.Ordinal);
            var twice = Assert.Throws<ArgumentException>(() => rule.Aggregate([Update("a", 1f), Update("c", 2f), Update("a", 3f)]));
            Assert.Contains("'a'", twice.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryRuleGivesTheSameBitsWhateverTheOrderUpdatesArriveIn()
    {
        // Rules work in client-id order, so float sums (and tie-breaks) cannot depend on arrival order.
        var random = new Random(2);
        var updates = Enumerable.Range(0, 11)
            .Select(k => Weighted($"c{k:D2}", 1 + k, [.. Enumerable.Range(0, 5_000).Select(_ => (float)random.NextDouble() - 0.5f)]))
            .ToArray();
        var shuffled = updates.ToArray();
        random.Shuffle(shuffled);
        foreach (var name in AggregationRules.Names)
        {
            var rule = AggregationRules.Create(name, f: 2, beta: 0.2);
            Assert.Equal(rule.Aggregate(updates), rule.Aggregate(shuffled));
        }
    }

    [Fact]
    public void CoordinateMedianTakesTheMiddleValueOfAnOddCount()
    {
        var median = new CoordinateMedian().Aggregate([Update("a", 1f, 10f), Update("b", 3f, -5f), Update("c", 100f, 0f)]);
        Assert.Equal([3f, 0f], median);
    }

    [Fact]
    public void CoordinateMedianAveragesTheTwoMiddleValuesOfAnEvenCount()
    {
        var median = new CoordinateMedian().Aggregate(
            [Update("a", 1f, -1f), Update("b", 100f, 9f), Update("c", 4f, -3f), Update("d", 2f, 7f)]);
        Assert.Equal([3f, 3f], median);
    }

    [Theory]
    [InlineData(40, 19.5f)]
    [InlineData(41, 20f)]
    public void CoordinateMedianOfManyClientsAndCoordinatesIsTheMiddleOfEveryColumn(int clients, float expected)
    {
        // Every coordinate holds 0, 1, ..., n − 1 spread over the clients in a different shuffled order; 9,000
        // coordinates span several parallel chunks and the selection's partitioning path (n > 16).
        var updates = ShuffledColumns(clients, 9_000, seed: 3, value: k => k);
        var median = new CoordinateMedian().Aggregate(updates);
        Assert.All(median, v => Assert.Equal(expected, v));
    }

    [Fact]
    public void TrimmedMeanDropsTheLargestAndSmallestOfEveryCoordinate()
    {
        // β = 0.2 and n = 5: one value dropped at each end. Column 1: mean(2, 3, 4) = 3; column 2: mean(5, 6, 7) = 6.
        var trimmed = new TrimmedMean(0.2).Aggregate(
            [Update("a", 1f, -1000f), Update("b", 1000f, 8f), Update("c", 3f, 6f), Update("d", 2f, 5f), Update("e", 4f, 7f)]);
        Assert.Equal([3f, 6f], trimmed);
    }

    [Fact]
    public void TrimmedMeanWithNothingToTrimIsTheMeanAndNearOneHalfIsTheMedian()
    {
        // ⌊0.1·5⌋ = 0: the plain mean (1 + 2 + 3 + 4 + 100) / 5 = 22; ⌊0.49·3⌋ = 1: only the middle value is left.
        Assert.Equal([22f], new TrimmedMean(0.1).Aggregate([Update("a", 1f), Update("b", 2f), Update("c", 3f), Update("d", 4f), Update("e", 100f)]));
        Assert.Equal([5f], new TrimmedMean(0.49).Aggregate([Update("a", 100f), Update("b", 5f), Update("c", 1f)]));
    }

    [Fact]
    public void TrimmedMeanOfManyClientsIgnoresExtremeValuesInEveryColumn()
    {
        // 50 clients, β = 0.1: 5 dropped at each end. Values 0..44 plus five of 1e6, shuffled per coordinate: the kept
        // values are 5..44 and their mean is 24.5.
        var updates = ShuffledColumns(50, 9_000, seed: 4, value: k => k < 45 ? k : 1e6f);
        var trimmed = new TrimmedMean(0.1).Aggregate(updates);
        Assert.All(trimmed, v => Assert.Equal(24.5f, v));
    }

    [Fact]
    public void TrimmedMeanRefusesWhenNothingWouldBeLeftAndRejectsBetaOutsideZeroToOneHalf()
    {
        var refused = Assert.Throws<AggregationRefusedException>(() => new TrimmedMean(0.2).Aggregate([]));
        Assert.Contains("n = 0", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMean(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMean(-0.1));
        Assert.Equal(2, new TrimmedMean(0.2).TrimmedPerSide(14));
    }

    // Five one-dimensional updates 0, 1, 2, 3 and 100 with f = 1 (2 neighbours scored). Squared distances give the
    // scores a: 1 + 4 = 5, b: 1 + 1 = 2, c: 1 + 1 = 2, d: 1 + 4 = 5, e: ≥ 97² + 98². Listed out of order on purpose.
    private static ClientUpdate[] FiveOnALine() =>
        [Update("d", 3f), Update("e", 100f), Update("b", 1f), Update("a", 0f), Update("c", 2f)];

    [Fact]
    public void KrumChoosesTheUpdateWithTheSmallestSumOfDistancesToItsNearestNeighbours()
    {
        // b and c tie at 2: the lower id wins, whatever the arrival order.
        var result = new Krum(f: 1).AggregateWithSelection(FiveOnALine());
        Assert.Equal([1f], result.Delta);
        Assert.Equal(["b"], result.Selected);
        Assert.Equal("krum", new Krum(1).Name);
    }

    [Fact]
    public void MultiKrumAveragesTheBestScoredUpdates()
    {
        // m = 3: b, c (2), then a and d tie at 5 and a wins: (1 + 2 + 0) / 3 = 1.
        var three = new Krum(f: 1, m: 3).AggregateWithSelection(FiveOnALine());
        Assert.Equal(["b", "c", "a"], three.Selected);
        Assert.Equal([1f], three.Delta);
        // m = n − f = 4: b, c, a, d: (1 + 2 + 0 + 3) / 4 = 1.5; the outlier is never in.
        var all = Krum.MultiKrum(1).AggregateWithSelection(FiveOnALine());
        Assert.Equal(["b", "c", "a", "d"], all.Selected);
        Assert.Equal([1.5f], all.Delta);
        Assert.Equal("multi-krum", Krum.MultiKrum(1).Name);
    }

    [Fact]
    public void KrumRefusesFewerThanTwoFPlusThreeClientsAndMultiKrumMoreThanNMinusF()
    {
        var refused = Assert.Throws<AggregationRefusedException>(() => new Krum(f: 1).Aggregate(FiveOnALine()[..4]));
        Assert.Contains("2f + 3 = 5", refused.Message, StringComparison.Ordinal);
        Assert.Contains("n = 4", refused.Message, StringComparison.Ordinal);
        var tooMany = Assert.Throws<AggregationRefusedException>(() => new Krum(f: 1, m: 5).Aggregate(FiveOnALine()));
        Assert.Contains("n − f = 4", tooMany.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BulyanSelectsByIteratedKrumAndAveragesTheValuesClosestToTheMedian()
    {
        // n = 7, f = 1: θ = 5, β = 3. Coordinate 1 is 0..5 and 100 (client g); coordinate 2 is 0.5 for a, else 0.
        // Passes by squared distances (sums over the 4, 3, 2, 1, 0 nearest of the remaining):
        //   1: a 31, b 15.25, c 10.25, d 10, e 15, f 30: d;   2: a 21.75, b 11.25, c 9.25, e 14, f 26: c;
        //   3: a 17.5, b 10.25, e 10, f 17: e;   4: a 1.25, b 1.25 (tie: lower id), f 16: a;   5: none scored: b.
        // Coordinate 1 of {3, 2, 4, 0, 1}: median 2, nearest three 1, 2, 3, mean 2. Coordinate 2 of {0, 0, 0, 0.5, 0}:
        // median 0, and a's 0.5 is not among the nearest three.
        ClientUpdate[] updates =
        [
            Update("a", 0f, 0.5f), Update("b", 1f, 0f), Update("c", 2f, 0f), Update("d", 3f, 0f),
            Update("e", 4f, 0f), Update("f", 5f, 0f), Update("g", 100f, 0f),
        ];
        var result = new Bulyan(f: 1).AggregateWithSelection(updates);
        Assert.Equal(["d", "c", "e", "a", "b"], result.Selected);
        Assert.Equal([2f, 0f], result.Delta);
    }

    [Fact]
    public void BulyanKeepsTheBetaValuesNearestTheMedianEvenWhenTheyLieOnOneSide()
    {
        // Five honest updates and two far attackers (y, z): every Krum pass with neighbours prefers an honest one and
        // the last (none scored) takes the lowest id, so the selection is the honest five. Their values 0, 1.5, 2,
        // 2.2, 10 have median 2; the three nearest are 1.5, 2 and 2.2 (not 0): mean 1.9.
        ClientUpdate[] odd =
        [
            Update("a", 10f), Update("b", 0f), Update("c", 2.2f), Update("d", 1.5f), Update("e", 2f),
            Update("y", 1e4f), Update("z", -1e4f),
        ];
        var result = new Bulyan(f: 1).AggregateWithSelection(odd);
        Assert.Equal(["a", "b", "c", "d", "e"], result.Selected.Order(StringComparer.Ordinal));
        Assert.Equal(1.9f, result.Delta[0], 1e-6f);

        // n = 8: θ = 6 values 0, 1, 2, 4, 5, 9, median (2 + 4) / 2 = 3, β = 4 nearest 1, 2, 4, 5: mean 3.
        ClientUpdate[] even =
        [
            Update("a", 0f), Update("b", 1f), Update("c", 2f), Update("d", 4f), Update("e", 5f), Update("f", 9f),
            Update("y", 1e4f), Update("z", -1e4f),
        ];
        Assert.Equal([3f], new Bulyan(f: 1).Aggregate(even));
    }

    [Fact]
    public void BulyanRefusesFewerThanFourFPlusThreeClients()
    {
        var six = Enumerable.Range(0, 6).Select(i => Update($"c{i}", (float)i)).ToArray();
        var refused = Assert.Throws<AggregationRefusedException>(() => new Bulyan(f: 1).Aggregate(six));
        Assert.Contains("4f + 3 = 7", refused.Message, StringComparison.Ordinal);
        Assert.Contains("n = 6", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PairwiseDistancesAreTheSquaredEuclideanDistances()
    {
        // ‖(1, 2, 2)‖² = 9, ‖(3, 4, 0)‖² = 25, ‖(1, 2, 2) − (3, 4, 0)‖² = 4 + 4 + 4 = 12.
        var d = PairwiseDistances.Squared([[0f, 0f, 0f], [1f, 2f, 2f], [3f, 4f, 0f]]);
        Assert.Equal(new double[,] { { 0, 9, 25 }, { 9, 0, 12 }, { 25, 12, 0 } }, d);
    }

    [Fact]
    public void PairwiseDistancesOfLongVectorsMatchADoubleSumAndAreReproducible()
    {
        // 10,007 coordinates: three full chunks and a tail that is not a multiple of the vector width.
        var random = new Random(5);
        var vectors = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 10_007).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var first = PairwiseDistances.Squared(vectors);
        var second = PairwiseDistances.Squared(vectors);
        Assert.Equal(first, second);
        for (var i = 0; i < vectors.Length; i++)
        {
            for (var j = 0; j < vectors.Length; j++)
            {
                var exact = VectorMath.SquaredDistance(vectors[i], vectors[j]);
                Assert.Equal(exact, first[i, j], exact * 1e-5);
            }
        }
    }

    [Fact]
    public void KrumOnFifteenClientsOfThreeHundredThousandParametersLeavesOutTheAttackers()
    {
        // 12 honest clients near a common direction, 3 attackers sending a scaled, flipped copy: Krum (f = 3) and
        // Bulyan (f = 3, n = 15 = 4f + 3) must keep none of the attackers.
        var updates = HonestAndAttackers(honest: 12, attackers: 3, length: 300_000, seed: 6);
        var watch = Stopwatch.StartNew();
        var krum = new Krum(f: 3, m: 9).AggregateWithSelection(updates);
        var krumTime = watch.Elapsed;
        watch.Restart();
        var bulyan = new Bulyan(f: 3).AggregateWithSelection(updates);
        output.WriteLine($"15 × 300k: multi-krum {krumTime.TotalMilliseconds:F0} ms, bulyan {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.DoesNotContain(krum.Selected, id => id.StartsWith("attacker", StringComparison.Ordinal));
        Assert.DoesNotContain(bulyan.Selected, id => id.StartsWith("attacker", StringComparison.Ordinal));
        Assert.Equal(9, bulyan.Selected.Count);
        Assert.True(krum.Delta[0] > 0 && bulyan.Delta[0] > 0, "The aggregate points the honest way.");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void KrumOnAHundredClientsOfAMillionParametersLeavesOutTheAttackers()
    {
        // Marked slow for its 400 MB of updates and their generation (1 to 2 s in all; Krum itself about 0.7 s on 2 cores).
        var updates = HonestAndAttackers(honest: 80, attackers: 20, length: 1_000_000, seed: 7);
        var watch = Stopwatch.StartNew();
        var result = new Krum(f: 20).AggregateWithSelection(updates);
        output.WriteLine($"100 × 1M: krum {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.StartsWith("honest", result.Selected[0], StringComparison.Ordinal);
    }

    [Fact]
    public void TheFactoryBuildsEveryRuleByNameAndListsTheValidNamesForAnUnknownOne()
    {
        Assert.IsType<FedAvg>(AggregationRules.Create("fedavg"));
        Assert.IsType<CoordinateMedian>(AggregationRules.Create("Median"));
        Assert.Equal(0.25, Assert.IsType<TrimmedMean>(AggregationRules.Create("trimmed-mean", beta: 0.25)).Beta);
        var krum = Assert.IsType<Krum>(AggregationRules.Create("krum", f: 2));
        Assert.Equal((2, (int?)1), (krum.F, krum.M));
        var multi = Assert.IsType<Krum>(AggregationRules.Create("multi-krum", f: 1));
        Assert.Null(multi.M);
        Assert.Equal(3, Assert.IsType<Krum>(AggregationRules.Create("multi-krum", f: 1, multiKrumCount: 3)).M);
        Assert.Equal(2, Assert.IsType<Bulyan>(AggregationRules.Create("bulyan", f: 2)).F);
        foreach (var name in AggregationRules.Names)
        {
            Assert.Equal(name, AggregationRules.Create(name, f: 1).Name);
        }
        var error = Assert.Throws<ArgumentException>(() => AggregationRules.Create("average"));
        Assert.Contains("fedavg, median, trimmed-mean, krum, multi-krum, bulyan", error.Message, StringComparison.Ordinal);
    }

    /// <summary>n clients whose coordinate i holds value(0), ..., value(n − 1), in a per-coordinate shuffled order.</summary>
    private static ClientUpdate[] ShuffledColumns(int clients, int length, int seed, Func<int, float> value)
    {
        var random = new Random(seed);
        var deltas = Enumerable.Range(0, clients).Select(_ => new float[length]).ToArray();
        var order = Enumerable.Range(0, clients).ToArray();
        for (var i = 0; i < length; i++)
        {
            random.Shuffle(order);
            for (var k = 0; k < clients; k++)
            {
                deltas[order[k]][i] = value(k);
            }
        }
        return [.. deltas.Select((d, k) => new ClientUpdate($"client{k:D3}", d, 1))];
    }

    /// <summary>Honest updates: 1 + noise in every coordinate; attackers: −10 × an honest-looking update.</summary>
    private static ClientUpdate[] HonestAndAttackers(int honest, int attackers, int length, int seed)
    {
        var random = new Random(seed);
        var updates = new List<ClientUpdate>();
        for (var k = 0; k < honest + attackers; k++)
        {
            var delta = new float[length];
            for (var i = 0; i < length; i++)
            {
                delta[i] = 1f + (0.5f * ((float)random.NextDouble() - 0.5f));
            }
            if (k >= honest)
            {
                VectorMath.Scale(delta, -10f);
            }
            updates.Add(new ClientUpdate(k < honest ? $"honest{k:D3}" : $"attacker{k:D3}", delta, 100));
        }
        return [.. updates];
    }
}
