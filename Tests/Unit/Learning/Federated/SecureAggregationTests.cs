using System.Numerics;
using System.Security.Cryptography;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.SecureAggregation;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class SecureAggregationTests
{
    private const double Clip = 1.0;

    [Theory]
    [InlineData(30, 0, 0.0)]
    [InlineData(30, 0, 0.1)]
    [InlineData(30, 0, 0.3)]
    [InlineData(40, 10, 0.0)]
    [InlineData(40, 10, 0.1)]
    [InlineData(40, 10, 0.3)]
    public void SumEqualsThePlainSumOfTheIncludedInputsWithinTheQuantisationBound(int clients, int neighbours, double dropoutFraction)
    {
        const int parameters = 10_000;
        // Sparse: t = 5 of a neighbourhood of 11, so 30 % dropouts leave every neighbourhood enough holders.
        var config = SecureAggregationConfig.Create("sum", clients, parameters, Clip, neighbours, threshold: neighbours > 0 ? 5 : null, graphSeed: 11);
        var inputs = RandomInputs(clients, parameters, seed: clients + neighbours);
        // Dropouts spread over the four stages in turn; only those before the masked input are left out of the sum.
        var random = new Random(3);
        var dropped = Enumerable.Range(0, clients).OrderBy(_ => random.Next()).Take((int)Math.Round(dropoutFraction * clients)).ToArray();
        var dropouts = dropped.Select((client, i) => (client, stage: (DropoutStage)(1 + i % 4))).ToDictionary(d => d.client, d => d.stage);
        var included = Enumerable.Range(0, clients)
            .Where(c => !dropouts.TryGetValue(c, out var stage) || stage == DropoutStage.BeforeUnmasking)
            .ToArray();

        var result = SecureAggregationRound.Run(config, inputs, dropouts);

        Assert.Equal(included, result.Included);
        Assert.Equal(included.Length, result.Survivors);
        Assert.Empty(result.TamperedShares);
        Assert.Equal(included.Length * 0.5 / config.Quantisation.Scale, result.ErrorBound, 15);
        AssertWithinBound(PlainClippedSum(inputs, included), result);
    }

    [Fact]
    public void FewerThanThresholdClientsAnsweringTheUnmaskRequestIsRefusedWithTheCounts()
    {
        var config = SecureAggregationConfig.Create("few-unmask", 10, 100, Clip);
        Assert.Equal(7, config.Threshold);
        var dropouts = new[] { 1, 4, 6, 8 }.ToDictionary(c => c, _ => DropoutStage.BeforeUnmasking);

        var refusal = Assert.Throws<AggregationRefusedException>(() => SecureAggregationRound.Run(config, RandomInputs(10, 100, 1), dropouts));

        Assert.Contains("only 6 of 10 clients survived to unmasking; the threshold is 7", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FewerThanThresholdMaskedInputsIsRefusedBeforeUnmasking()
    {
        var config = SecureAggregationConfig.Create("few-inputs", 10, 100, Clip);
        var dropouts = new[] { 0, 2, 3, 9 }.ToDictionary(c => c, _ => DropoutStage.BeforeMaskedInput);

        var refusal = Assert.Throws<AggregationRefusedException>(() => SecureAggregationRound.Run(config, RandomInputs(10, 100, 2), dropouts));

        Assert.Contains("only 6 of 10 clients sent masked inputs; the threshold is 7", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANeighbourhoodBelowThresholdIsRefusedEvenWhenTheRoundAsAWholeHasEnough()
    {
        // k = 4: client 0's neighbourhood is itself and 4 neighbours; t = 4 of 5. Two of its neighbours drop: 3 of 5 left,
        // while 18 of 20 clients sent masked inputs.
        var config = SecureAggregationConfig.Create("sparse-few", 20, 100, Clip, neighbours: 4, threshold: 4, graphSeed: 5);
        var neighbours = NeighbourGraph.For(config).NeighboursOf(0);
        var dropouts = neighbours.Take(2).ToDictionary(c => c, _ => DropoutStage.BeforeMaskedInput);

        var refusal = Assert.Throws<AggregationRefusedException>(() => SecureAggregationRound.Run(config, RandomInputs(20, 100, 3), dropouts));

        Assert.Contains("only 3 of client 0's neighbourhood of 5 sent masked inputs; the threshold is 4", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)] // among the first t shares: found by leaving one out
    [InlineData(8)] // beyond the first t: the genuine seed reconstructs, the share disagrees with it
    public void AWrongSelfMaskShareIsCorrectedWithSurplusSharesAndItsSenderNamed(int liar)
    {
        var config = SecureAggregationConfig.Create("liar", 10, 1_000, Clip);
        var inputs = RandomInputs(10, 1_000, 4);

        var result = SecureAggregationRound.Run(config, inputs, relayUnmask: unmask => unmask.ClientId == liar ? Corrupt(unmask, owner: 5, selfMask: true) : unmask);

        Assert.Equal(new[] { new TamperedShareReport(liar, 5, "self-mask seed") }, result.TamperedShares);
        AssertWithinBound(PlainClippedSum(inputs, Enumerable.Range(0, 10).ToArray()), result);
    }

    [Fact]
    public void AWrongMaskingKeyShareOfADroppedClientIsCorrectedAndItsSenderNamed()
    {
        var config = SecureAggregationConfig.Create("liar-key", 10, 1_000, Clip);
        var inputs = RandomInputs(10, 1_000, 5);
        var dropouts = new Dictionary<int, DropoutStage> { [9] = DropoutStage.BeforeMaskedInput };

        var result = SecureAggregationRound.Run(config, inputs, dropouts, relayUnmask: unmask => unmask.ClientId == 1 ? Corrupt(unmask, owner: 9, selfMask: false) : unmask);

        Assert.Equal(new[] { new TamperedShareReport(1, 9, "masking key") }, result.TamperedShares);
        AssertWithinBound(PlainClippedSum(inputs, Enumerable.Range(0, 9).ToArray()), result);
    }

    [Fact]
    public void TwoWrongSharesAreCorrectedByReedSolomonDecodingWhenTheSurplusAllows()
    {
        // 12 responders, t = 7: surplus 5 corrects ⌊5/2⌋ = 2 wrong shares.
        var config = SecureAggregationConfig.Create("two-liars", 12, 1_000, Clip, threshold: 7);
        var inputs = RandomInputs(12, 1_000, 6);

        var result = SecureAggregationRound.Run(config, inputs, relayUnmask: unmask => unmask.ClientId is 0 or 2 ? Corrupt(unmask, owner: 7, selfMask: true) : unmask);

        Assert.Equal(new[] { new TamperedShareReport(0, 7, "self-mask seed"), new TamperedShareReport(2, 7, "self-mask seed") }, result.TamperedShares);
        AssertWithinBound(PlainClippedSum(inputs, Enumerable.Range(0, 12).ToArray()), result);
    }

    [Fact]
    public void AWrongShareWithoutSurplusIsRefusedRatherThanSummed()
    {
        // 3 clients drop before unmasking: exactly t = 7 responders, no surplus to tell the wrong share from the others.
        var config = SecureAggregationConfig.Create("no-surplus", 10, 1_000, Clip);
        var dropouts = new[] { 2, 3, 4 }.ToDictionary(c => c, _ => DropoutStage.BeforeUnmasking);

        var refusal = Assert.Throws<AggregationRefusedException>(() => SecureAggregationRound.Run(config, RandomInputs(10, 1_000, 7), dropouts,
            relayUnmask: unmask => unmask.ClientId == 0 ? Corrupt(unmask, owner: 5, selfMask: true) : unmask));

        Assert.Contains("client 5's self-mask seed", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("do not reconstruct to its commitment", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAlteredShareBundleIsRejectedByItsRecipient()
    {
        var config = SecureAggregationConfig.Create("bundle", 6, 100, Clip, threshold: 4);

        var refusal = Assert.Throws<AggregationRefusedException>(() => SecureAggregationRound.Run(config, RandomInputs(6, 100, 8), relayDelivery: delivery =>
        {
            if (delivery.Recipient != 2)
            {
                return delivery;
            }
            var bundles = delivery.Bundles.ToArray();
            var ciphertext = bundles[0].Ciphertext.ToArray();
            ciphertext[10] ^= 1;
            bundles[0] = bundles[0] with { Ciphertext = ciphertext };
            return delivery with { Bundles = bundles };
        }));

        Assert.Contains("Client 2 refuses", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("fails authentication (AES-GCM)", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMaskedInputLooksUniformAndIsUncorrelatedWithTheInput()
    {
        const int parameters = 20_000;
        var config = SecureAggregationConfig.Create("uniform", 5, parameters, Clip, threshold: 3);
        // A strongly structured input: a ramp from −1 to 1.
        var input = Enumerable.Range(0, parameters).Select(i => -1f + 2f * i / (parameters - 1)).ToArray();
        var masked = MaskedInputsOf(config, Enumerable.Range(0, 5).Select(_ => input).ToArray())[0];

        // The top 4 bits of the words fall evenly into 16 buckets: χ² with 15 degrees of freedom, 37.7 at p = 0.001.
        var buckets = new int[16];
        foreach (var word in masked)
        {
            buckets[word >> 28]++;
        }
        var expected = parameters / 16.0;
        var chiSquared = buckets.Sum(b => (b - expected) * (b - expected) / expected);
        Assert.True(chiSquared < 37.7, $"χ² = {chiSquared:0.0}");
        // The words (as signed integers) do not follow the ramp: under independence r has standard deviation 1/√n ≈ 0.007.
        var correlation = Correlation(input.Select(x => (double)x).ToArray(), masked.Select(w => (double)(int)w).ToArray());
        Assert.True(Math.Abs(correlation) < 0.035, $"r = {correlation:0.000}");
        // The plain encoding of the ramp is a correlated, small-magnitude vector; the masked one is neither.
        Assert.True(masked.Count(w => Math.Abs((long)(int)w) < 1L << 30) < parameters * 0.6);
    }

    [Fact]
    public void ShamirReconstructsFromAnyTOfNSharesAndNotFromTMinusOne()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 4, Enumerable.Range(1, 7).ToArray());
        var subsets = 0;
        foreach (var subset in Subsets(7, 4))
        {
            Assert.Equal(secret, ShamirSecretSharing.Reconstruct(subset.Select(i => shares[i]).ToArray(), 4, 32));
            subsets++;
        }
        Assert.Equal(35, subsets); // C(7, 4)
        foreach (var subset in Subsets(7, 3))
        {
            // Interpolating three shares as if they were enough gives some other value.
            Assert.NotEqual(secret, ShamirSecretSharing.Reconstruct(subset.Select(i => shares[i]).ToArray(), 3, 32));
        }
    }

    [Fact]
    public void ShamirSharesOfAKnownPolynomialAreItsValues()
    {
        // threshold 1 is the constant polynomial: every share of a one-chunk secret is the chunk itself, little-endian.
        var shares = ShamirSecretSharing.Split([0x01, 0x02, 0x03], 1, [1, 2, 9]);
        Assert.All(shares, s => Assert.Equal(new[] { 0x030201UL }, s.Values));
        // Lagrange at 0 through (1, 5), (2, 7), (3, 9) on the line 3 + 2x: the secret is 3.
        var line = new[] { new ShamirShare(1, [5]), new ShamirShare(2, [7]), new ShamirShare(3, [9]) };
        Assert.Equal(new byte[] { 3 }, ShamirSecretSharing.Reconstruct(line, 2, 1));
        Assert.Equal(new byte[] { 3 }, ShamirSecretSharing.Reconstruct(line[1..], 2, 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void VerifiedReconstructionCorrectsUpToHalfTheSurplusAndNamesTheWrongShares(int wrong)
    {
        // m = 12 shares, t = 5: surplus 7 corrects ⌊7/2⌋ = 3.
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 5, Enumerable.Range(1, 12).ToArray());
        var liars = new[] { 2, 6, 11 }.Take(wrong).ToArray();
        var altered = shares.Select(s => liars.Contains(s.X) ? s with { Values = s.Values.Select(v => (v + 12345) % MersenneField.Prime).ToArray() } : s).ToArray();

        var result = ShamirSecretSharing.ReconstructVerified(altered, 5, 32, candidate => candidate.AsSpan().SequenceEqual(secret));

        Assert.Equal(secret, result.Secret);
        Assert.Equal(liars, result.InconsistentXs.Order().ToArray());
    }

    [Fact]
    public void VerifiedReconstructionGivesNothingRatherThanAWrongSecretWhenTooManySharesAreWrong()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 5, Enumerable.Range(1, 8).ToArray());
        // Surplus 3: one wrong share is found by leaving it out, three (the first three, all in the interpolation basis) cannot be.
        var altered = shares.Select(s => s.X <= 3 ? s with { Values = s.Values.Select(v => (v + 1) % MersenneField.Prime).ToArray() } : s).ToArray();
        var tried = 0;

        var result = ShamirSecretSharing.ReconstructVerified(altered, 5, 32, candidate =>
        {
            tried++;
            return candidate.AsSpan().SequenceEqual(secret);
        });

        Assert.Null(result.Secret);
        Assert.Empty(result.InconsistentXs);
        Assert.True(tried > 1);
    }

    [Fact]
    public void MersenneFieldArithmeticMatchesBigInteger()
    {
        var p = new BigInteger(MersenneField.Prime);
        var random = new Random(9);
        for (var i = 0; i < 2_000; i++)
        {
            var a = (ulong)random.NextInt64(0, (long)MersenneField.Prime);
            var b = i == 0 ? MersenneField.Prime - 1 : (ulong)random.NextInt64(0, (long)MersenneField.Prime);
            Assert.Equal((ulong)(new BigInteger(a) * b % p), MersenneField.Multiply(a, b));
            Assert.Equal((ulong)((new BigInteger(a) + b) % p), MersenneField.Add(a, b));
            Assert.Equal((ulong)(((new BigInteger(a) - b) % p + p) % p), MersenneField.Subtract(a, b));
            if (a != 0)
            {
                Assert.Equal(1UL, MersenneField.Multiply(a, MersenneField.Inverse(a)));
            }
        }
    }

    [Fact]
    public void MaskStreamIsAes128CounterModeAsTheBclComputesIt()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        const int words = 1_000;
        // Block i = AES-128_{seed[0..16]}(seed[16..32] xor little-endian i), the words little-endian.
        using var aes = Aes.Create();
        aes.Key = seed[..16];
        var blocks = new byte[(words + 3) / 4 * 16];
        for (var i = 0; i < blocks.Length / 16; i++)
        {
            seed.AsSpan(16).CopyTo(blocks.AsSpan(i * 16));
            for (var b = 0; b < 8; b++)
            {
                blocks[i * 16 + b] ^= (byte)((ulong)i >> (8 * b));
            }
        }
        var keystream = aes.EncryptEcb(blocks, PaddingMode.None);
        var expected = Enumerable.Range(0, words).Select(j => BitConverter.ToUInt32(keystream, 4 * j)).ToArray();

        Assert.Equal(expected, SeededMask.Expand(seed, words));
        // Any window, from any word, added or subtracted.
        var window = new uint[37];
        Array.Fill(window, 100u);
        new SeededMask(seed, MaskDirection.Add).ApplyTo(window, 3);
        Assert.Equal(expected[3..40].Select(w => unchecked(100u + w)), window);
        new SeededMask(seed, MaskDirection.Subtract).ApplyTo(window, 3);
        Assert.All(window, w => Assert.Equal(100u, w));
    }

    [Fact]
    public void ParallelMaskApplicationEqualsOneMaskAfterAnother()
    {
        var masks = Enumerable.Range(0, 5).Select(i => new SeededMask(RandomNumberGenerator.GetBytes(32), i % 2 == 0 ? MaskDirection.Add : MaskDirection.Subtract)).ToArray();
        var sequential = new uint[50_001];
        foreach (var mask in masks)
        {
            mask.ApplyTo(sequential, 0);
        }
        var parallel = new uint[50_001];

        SeededMask.ApplyAll(parallel, masks, threads: 4);

        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void QuantisationKeepsTheSumOfAllClientsInsideInt32()
    {
        // n = 2, c = 1: scale = ((2^31 − 1)/2 − 1)/1 = 1,073,741,822.5; 0.5 encodes to round(536,870,911.25) = 536,870,911.
        var two = QuantisationConfig.For(2, 1.0);
        Assert.Equal(1_073_741_822.5, two.Scale);
        var encoded = new uint[3];
        FixedPointEncoding.Encode([0.5f, -0.5f, 7f], two, encoded);
        Assert.Equal(new[] { 536_870_911u, unchecked((uint)-536_870_911), 1_073_741_823u }, encoded); // 7 clipped to 1: round(scale) = 1,073,741,823
        // 1,000 clients all at +c or all at −c stay inside int32.
        var thousand = QuantisationConfig.For(1_000, 2.5);
        var top = new uint[2];
        FixedPointEncoding.Encode([2.5f, -2.5f], thousand, top);
        Assert.True(1_000L * (int)top[0] <= int.MaxValue);
        Assert.True(1_000L * (int)top[1] >= -int.MaxValue);
        Assert.Throws<ArgumentException>(() => new QuantisationConfig(2.5, thousand.Scale * 1.01).Validate(1_000));
    }

    [Fact]
    public void DecodedSumIsWithinSurvivorsTimesHalfAUnitAndTheBoundIsNearlyReached()
    {
        // 50 inputs each 0.45 units above a multiple of 1/scale round down by 0.45 units: the sum is off by 50 × 0.45 units.
        const int inputs = 50;
        var quantisation = QuantisationConfig.For(100, 1.0);
        var value = (float)(12_345.45 / quantisation.Scale);
        var fraction = value * quantisation.Scale - Math.Floor(value * quantisation.Scale);
        Assert.InRange(fraction, 0.449, 0.451);
        var sum = new uint[1];
        var one = new uint[1];
        for (var i = 0; i < inputs; i++)
        {
            FixedPointEncoding.Encode([value], quantisation, one);
            sum[0] += one[0];
        }

        var error = Math.Abs(FixedPointEncoding.Decode(sum, quantisation)[0] - (double)inputs * value);

        Assert.True(error <= quantisation.ErrorBound(inputs) + inputs * value * 1.2e-7, $"error {error:G3}, bound {quantisation.ErrorBound(inputs):G3}");
        Assert.True(error >= 0.8 * quantisation.ErrorBound(inputs), $"error {error:G3}");
    }

    [Fact]
    public void HararyGraphIsKRegularSymmetricSeededAndSurvivesKMinusOneRemovals()
    {
        var graph = NeighbourGraph.Harary(30, 5, seed: 1);
        for (var u = 0; u < 30; u++)
        {
            var neighbours = graph.NeighboursOf(u);
            Assert.Equal(5, neighbours.Count);
            Assert.DoesNotContain(u, neighbours);
            Assert.All(neighbours, v => Assert.Contains(u, graph.NeighboursOf(v)));
        }
        Assert.Equal(Enumerable.Range(0, 30).Select(u => graph.NeighboursOf(u)), Enumerable.Range(0, 30).Select(u => NeighbourGraph.Harary(30, 5, 1).NeighboursOf(u)));
        Assert.NotEqual(Enumerable.Range(0, 30).Select(u => graph.NeighboursOf(u)), Enumerable.Range(0, 30).Select(u => NeighbourGraph.Harary(30, 5, 2).NeighboursOf(u)));
        Assert.Throws<ArgumentException>(() => NeighbourGraph.Harary(31, 5, 1));
        // 5-connected: any 4 removed clients leave the rest connected.
        var random = new Random(4);
        for (var trial = 0; trial < 200; trial++)
        {
            var removed = Enumerable.Range(0, 30).OrderBy(_ => random.Next()).Take(4).ToHashSet();
            Assert.Equal(26, Reachable(graph, Enumerable.Range(0, 30).First(u => !removed.Contains(u)), removed));
        }
    }

    [Fact]
    public void SignedAdvertisementsStopASubstitutedKey()
    {
        var config = SecureAggregationConfig.Create("signed", 4, 10, Clip, threshold: 3);
        var signers = Enumerable.Range(0, 4).Select(_ => new EcdsaAdvertisementSigner()).ToArray();
        var verifier = new EcdsaAdvertisementVerifier(Enumerable.Range(0, 4).ToDictionary(i => i, i => signers[i].PublicKey));
        var clients = Enumerable.Range(0, 4).Select(i => new SecureAggregationClient(config, i, signer: signers[i], verifier: verifier)).ToArray();
        using var server = new SecureAggregationServer(config, verifier: verifier);
        var adverts = clients.Select(c => c.AdvertiseKeys()).ToArray();
        using var impostor = new SecureAggregationClient(config, 1);
        var substituted = adverts[1] with { MaskingPublicKey = impostor.AdvertiseKeys().MaskingPublicKey };

        Assert.Throws<ArgumentException>(() => server.Receive(substituted));
        foreach (var advert in adverts)
        {
            server.Receive(advert);
        }
        var broadcast = server.CloseAdvertising();
        Assert.NotNull(clients[0].ShareKeys(broadcast));
        // A server that swaps client 1's key in the broadcast is caught by the others.
        var forged = broadcast with { Advertisements = broadcast.Advertisements.Select(a => a.ClientId == 1 ? substituted : a).ToArray() };
        var refusal = Assert.Throws<AggregationRefusedException>(() => clients[2].ShareKeys(forged));
        Assert.Contains("client 1's advertisement is not signed", refusal.Message, StringComparison.Ordinal);
        foreach (var disposable in clients.Cast<IDisposable>().Concat(signers))
        {
            disposable.Dispose();
        }
    }

    [Fact]
    public void AClientAnswersOnlyOneUnmaskRequest()
    {
        var config = SecureAggregationConfig.Create("once", 4, 10, Clip, threshold: 3);
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 10));
        using var ownedServer = server;
        var request = server.CloseMaskedInputs();
        _ = clients[0].Unmask(request);

        // Asking again, e.g. with client 3 now called dropped, would reveal its masking key beside its seed.
        Assert.Throws<InvalidOperationException>(() => clients[0].Unmask(request with { Survivors = [0, 1, 2] }));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static (SecureAggregationServer Server, SecureAggregationClient[] Clients) ThroughMaskedInputs(SecureAggregationConfig config, float[][] inputs, List<MaskedInput>? masked = null)
    {
        var server = new SecureAggregationServer(config);
        var clients = Enumerable.Range(0, config.Clients).Select(i => new SecureAggregationClient(config, i)).ToArray();
        foreach (var client in clients)
        {
            server.Receive(client.AdvertiseKeys());
        }
        var keys = server.CloseAdvertising();
        foreach (var client in clients)
        {
            server.Receive(client.ShareKeys(keys));
        }
        var deliveries = server.CloseSharing();
        foreach (var client in clients)
        {
            var input = client.MaskInput(deliveries[client.ClientId], inputs[client.ClientId]);
            masked?.Add(input);
            server.Receive(input);
        }
        return (server, clients);
    }

    private static uint[][] MaskedInputsOf(SecureAggregationConfig config, float[][] inputs)
    {
        var masked = new List<MaskedInput>();
        var (server, clients) = ThroughMaskedInputs(config, inputs, masked);
        server.Dispose();
        foreach (var client in clients)
        {
            client.Dispose();
        }
        return masked.OrderBy(m => m.ClientId).Select(m => m.Values).ToArray();
    }

    private static Unmask Corrupt(Unmask unmask, int owner, bool selfMask)
    {
        RevealedShare[] Alter(RevealedShare[] shares) => shares.Select(s =>
        {
            if (s.Owner != owner)
            {
                return s;
            }
            var value = s.Value.ToArray();
            value[0] ^= 0x5A; // a different field element, still below p
            return s with { Value = value };
        }).ToArray();
        return selfMask ? unmask with { SelfMaskShares = Alter(unmask.SelfMaskShares) } : unmask with { MaskingKeyShares = Alter(unmask.MaskingKeyShares) };
    }

    private static float[][] RandomInputs(int clients, int parameters, int seed)
    {
        // Uniform in [−1.2c, 1.2c]: a sixth of the coordinates are clipped.
        var random = new Random(seed);
        return Enumerable.Range(0, clients).Select(_ => Enumerable.Range(0, parameters).Select(_ => (float)((random.NextDouble() * 2 - 1) * 1.2 * Clip)).ToArray()).ToArray();
    }

    private static double[] PlainClippedSum(float[][] inputs, int[] included)
    {
        var sum = new double[inputs[0].Length];
        foreach (var client in included)
        {
            for (var j = 0; j < sum.Length; j++)
            {
                sum[j] += Math.Clamp(inputs[client][j], -Clip, Clip);
            }
        }
        return sum;
    }

    private static void AssertWithinBound(double[] expected, SecureAggregationResult result)
    {
        Assert.Equal(expected.Length, result.Sum.Length);
        var worst = 0.0;
        for (var j = 0; j < expected.Length; j++)
        {
            // Quantisation bound plus the final rounding to float.
            var allowed = result.ErrorBound + Math.Abs(expected[j]) * 6e-8;
            var error = Math.Abs(result.Sum[j] - expected[j]);
            Assert.True(error <= allowed, $"coordinate {j}: {result.Sum[j]} against {expected[j]}, allowed {allowed:G3}");
            worst = Math.Max(worst, error);
        }
        Assert.True(worst > 0); // the check compared numbers, not two zero vectors
    }

    private static double Correlation(double[] x, double[] y)
    {
        var mx = x.Average();
        var my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }
        for (var first = k - 1; first < n; first++)
        {
            foreach (var rest in Subsets(first, k - 1))
            {
                yield return [.. rest, first];
            }
        }
    }

    private static int Reachable(NeighbourGraph graph, int start, HashSet<int> removed)
    {
        var seen = new HashSet<int> { start };
        var queue = new Queue<int>([start]);
        while (queue.TryDequeue(out var u))
        {
            foreach (var v in graph.NeighboursOf(u))
            {
                if (!removed.Contains(v) && seen.Add(v))
                {
                    queue.Enqueue(v);
                }
            }
        }
        return seen.Count;
    }
}
