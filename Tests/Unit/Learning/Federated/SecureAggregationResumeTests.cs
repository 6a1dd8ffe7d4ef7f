using System.Security.Cryptography;
using OrleansGoRelay.Learning.Federated.SecureAggregation;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class SecureAggregationResumeTests
{
    private const double Clip = 1.0;
    private const int Parameters = 2_000;

    [Theory]
    [InlineData(5, 0, DropoutStage.None, false)]
    [InlineData(5, 0, DropoutStage.None, true)]
    [InlineData(5, 0, DropoutStage.BeforeMaskedInput, false)]
    [InlineData(5, 0, DropoutStage.BeforeUnmasking, false)]
    [InlineData(6, 3, DropoutStage.None, false)]
    [InlineData(6, 3, DropoutStage.BeforeMaskedInput, true)]
    public void AClientRestoredAfterEachStageProducesTheSameSum(int clients, int neighbours, DropoutStage dropout, bool withIdentityKeys)
    {
        var config = SecureAggregationConfig.Create("resume", clients, Parameters, Clip, neighbours, graphSeed: 7);
        var inputs = RandomInputs(clients, Parameters, seed: clients + neighbours + (int)dropout);
        var dropouts = dropout == DropoutStage.None ? new Dictionary<int, DropoutStage>() : new Dictionary<int, DropoutStage> { [2] = dropout };
        var included = Enumerable.Range(0, clients).Where(c => !dropouts.TryGetValue(c, out var stage) || stage == DropoutStage.BeforeUnmasking).ToArray();

        var result = RunRestoringEveryClientBetweenStages(config, inputs, dropouts, withIdentityKeys);

        Assert.Equal(included, result.Included);
        Assert.Empty(result.TamperedShares);
        AssertWithinBound(PlainClippedSum(inputs, included), result);
        // The masks cancel and the quantised sum decodes exactly: the same as a round that never restarted.
        Assert.Equal(SecureAggregationRound.Run(config, inputs, dropouts).Sum, result.Sum);
    }

    [Fact]
    public void ARestoredClientRefusesASecondUnmaskRequest()
    {
        var config = SecureAggregationConfig.Create("resume-once", 4, 10, Clip, threshold: 3);
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 1));
        using var ownedServer = server;
        var request = server.CloseMaskedInputs();
        _ = clients[0].Unmask(request);

        var state = clients[0].ExportState();
        Assert.Equal("Unmasked", state.Stage);
        Assert.Empty(state.HeldShares);
        using var restored = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(SecureAggregationClientState.Serialize(state)));

        // Asking again, with client 3 now called dropped, would reveal its masking key beside its seed.
        Assert.Throws<InvalidOperationException>(() => restored.Unmask(request with { Survivors = [0, 1, 2] }));
        DisposeAll(clients);
    }

    [Fact]
    public void ARestoredClientRefusesAStageItHasAlreadyPassed()
    {
        var config = SecureAggregationConfig.Create("resume-passed", 4, 10, Clip, threshold: 3);
        var inputs = RandomInputs(4, 10, 2);
        var (server, clients) = ThroughMaskedInputs(config, inputs);
        using var ownedServer = server;

        using var restored = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(SecureAggregationClientState.Serialize(clients[1].ExportState())));

        Assert.Throws<InvalidOperationException>(() => restored.AdvertiseKeys());
        Assert.Throws<InvalidOperationException>(() => restored.MaskInput(new ShareDelivery(config.RoundId, 1, [0, 1, 2, 3], []), inputs[1]));
        Assert.NotNull(restored.Unmask(server.CloseMaskedInputs()));
        DisposeAll(clients);
    }

    [Fact]
    public void ASerializedStateRoundTripsExactlyAtEveryStage()
    {
        var config = SecureAggregationConfig.Create("resume-bytes", 4, 10, Clip, threshold: 3);
        var states = new List<SecureAggregationClientState>();
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 3), onStage: client => states.Add(client.ExportState()));
        using var ownedServer = server;
        _ = clients[0].Unmask(server.CloseMaskedInputs());
        states.Add(clients[0].ExportState());

        Assert.Equal(["Created", "Advertised", "Shared", "Masked", "Unmasked"], states.Select(s => s.Stage));
        foreach (var state in states)
        {
            var bytes = SecureAggregationClientState.Serialize(state);
            var back = SecureAggregationClientState.Deserialize(bytes);

            AssertSameState(state, back);
            Assert.Equal(bytes, SecureAggregationClientState.Serialize(back));
            Assert.Equal(SecureAggregationClientState.FormatVersion, bytes[4]);
        }
        Assert.NotNull(states[2].SelfMaskSeed);
        Assert.Null(states[3].SelfMaskSeed);
        Assert.Equal([0], states[2].HeldShares.Select(h => h.Owner));
        Assert.Equal([0, 1, 2, 3], states[3].HeldShares.Select(h => h.Owner));
        Assert.Equal([1, 2, 3], states[3].NeighbourKeys.Select(a => a.ClientId));
        Assert.Equal([0, 1, 2, 3], states[3].SharedKeys);
        DisposeAll(clients);
    }

    [Fact]
    public void ExportingTheStateLeavesTheClientAsItWas()
    {
        var config = SecureAggregationConfig.Create("resume-copy", 4, 10, Clip, threshold: 3);
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 4));
        using var ownedServer = server;
        var state = clients[0].ExportState();
        foreach (var held in state.HeldShares)
        {
            Array.Clear(held.SelfMaskShare);
        }

        var request = server.CloseMaskedInputs();
        foreach (var client in clients)
        {
            server.Receive(client.Unmask(request));
        }

        Assert.Empty(server.Finish().TamperedShares);
        DisposeAll(clients);
    }

    [Fact]
    public void DeserializingGarbageThrowsFormatExceptionWithTheReason()
    {
        var config = SecureAggregationConfig.Create("resume-garbage", 4, 10, Clip, threshold: 3);
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 5));
        server.Dispose();
        var bytes = SecureAggregationClientState.Serialize(clients[2].ExportState());
        DisposeAll(clients);

        Assert.Contains("too few", Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize([])).Message, StringComparison.Ordinal);
        Assert.Contains("magic", Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize(RandomNumberGenerator.GetBytes(200))).Message, StringComparison.Ordinal);
        Assert.Contains("magic", Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize("{\"stage\":\"Masked\"} and more JSON-ish text"u8.ToArray())).Message, StringComparison.Ordinal);
        var otherVersion = bytes.ToArray();
        otherVersion[4] = 2;
        Assert.Contains("version 2", Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize(otherVersion)).Message, StringComparison.Ordinal);
        // A torn write (any prefix) and any flipped byte are caught.
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize(bytes[..length]));
        }
        for (var i = 5; i < bytes.Length; i++)
        {
            var flipped = bytes.ToArray();
            flipped[i] ^= 0x01;
            Assert.Contains("checksum", Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize(flipped)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DeserializingAnAlteredStateWithAValidChecksumThrowsOnlyFormatException()
    {
        var config = SecureAggregationConfig.Create("resume-fuzz", 4, 10, Clip, threshold: 3);
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 6));
        server.Dispose();
        var bytes = SecureAggregationClientState.Serialize(clients[1].ExportState());
        DisposeAll(clients);

        // Stage byte: magic and version (5), round id (4 + 12), three ints, graph kind, an int, three longs, client id.
        var stageAt = 5 + 4 + "resume-fuzz".Length + 12 + 1 + 4 + 24 + 4;
        Assert.Equal(3, bytes[stageAt]);
        var badStage = bytes.ToArray();
        badStage[stageAt] = 9;
        Assert.Contains("stage 9", Assert.Throws<FormatException>(() => SecureAggregationClientState.Deserialize(Rechecksummed(badStage))).Message, StringComparison.Ordinal);

        var random = new Random(8);
        var rejected = 0;
        for (var trial = 0; trial < 3_000; trial++)
        {
            var altered = bytes.ToArray();
            for (var k = random.Next(1, 4); k > 0; k--)
            {
                altered[random.Next(5, altered.Length - 32)] = (byte)random.Next(256);
            }
            try
            {
                _ = SecureAggregationClientState.Deserialize(Rechecksummed(altered));
            }
            catch (FormatException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 0);
    }

    [Fact]
    public void RestoreRejectsAStateItsStageCannotHold()
    {
        var config = SecureAggregationConfig.Create("resume-check", 4, 10, Clip, threshold: 3);
        var (server, clients) = ThroughMaskedInputs(config, RandomInputs(4, 10, 7));
        using var ownedServer = server;
        var masked = clients[0].ExportState();
        _ = clients[0].Unmask(server.CloseMaskedInputs());
        var unmasked = clients[0].ExportState();
        DisposeAll(clients);

        SecureAggregationClientState[] wrong =
        [
            unmasked with { HeldShares = masked.HeldShares }, // shares back after answering: a second unmask
            masked with { SelfMaskSeed = new byte[32] },
            masked with { Stage = "Shared" },
            masked with { Stage = "masked" },
            masked with { MaskingPrivateKey = new byte[32] }, // zero is no P-256 scalar
            masked with { EncryptionPrivateKey = new byte[31] },
            masked with { NeighbourKeys = [.. masked.NeighbourKeys, masked.NeighbourKeys[0]] },
            masked with { NeighbourKeys = [masked.NeighbourKeys[0] with { MaskingPublicKey = new byte[65] }] },
            masked with { HeldShares = [masked.HeldShares[0] with { SelfMaskShare = [MersenneField.Prime, 0, 0, 0, 0] }] },
            masked with { SharedKeys = [3, 2, 1, 0] },
            masked with { ClientId = 4 },
        ];

        foreach (var state in wrong)
        {
            Assert.ThrowsAny<ArgumentException>(() => SecureAggregationClient.Restore(state));
        }
    }

    /// <summary>
    /// <see cref="SecureAggregationRound.Run"/> where every client, after it is created and after each of its stages, is
    /// exported, serialized, deserialized and restored as a new object (the old one disposed), as a process killed and
    /// restarted between any two messages would be.
    /// </summary>
    private static SecureAggregationResult RunRestoringEveryClientBetweenStages(SecureAggregationConfig config, float[][] inputs, Dictionary<int, DropoutStage> dropouts, bool withIdentityKeys)
    {
        var n = config.Clients;
        var signers = withIdentityKeys ? Enumerable.Range(0, n).Select(_ => new EcdsaAdvertisementSigner()).ToArray() : null;
        var verifier = signers is null ? null : new EcdsaAdvertisementVerifier(Enumerable.Range(0, n).ToDictionary(i => i, i => signers[i].PublicKey));
        // Each restart builds its own graph, as a new process would.
        using var server = new SecureAggregationServer(config, verifier: verifier);
        var clients = Enumerable.Range(0, n).Select(i => new SecureAggregationClient(config, i, signer: signers?[i], verifier: verifier)).ToArray();
        void Restart(int i)
        {
            var bytes = SecureAggregationClientState.Serialize(clients[i].ExportState());
            clients[i].Dispose();
            clients[i] = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(bytes), signer: signers?[i], verifier: verifier);
        }
        bool Takes(int client, DropoutStage stage) => !dropouts.TryGetValue(client, out var drop) || drop == DropoutStage.None || drop > stage;
        try
        {
            var active = Enumerable.Range(0, n).Where(i => Takes(i, DropoutStage.BeforeAdvertising)).ToArray();
            foreach (var i in active)
            {
                Restart(i);
                server.Receive(clients[i].AdvertiseKeys());
                Restart(i);
            }
            var keys = server.CloseAdvertising();

            active = active.Where(i => Takes(i, DropoutStage.BeforeSharing)).ToArray();
            foreach (var i in active)
            {
                server.Receive(clients[i].ShareKeys(keys));
                Restart(i);
            }
            var deliveries = server.CloseSharing();

            active = active.Where(i => Takes(i, DropoutStage.BeforeMaskedInput)).ToArray();
            foreach (var i in active)
            {
                server.Receive(clients[i].MaskInput(deliveries[i], inputs[i]));
                Restart(i);
            }
            var request = server.CloseMaskedInputs();

            active = active.Where(i => Takes(i, DropoutStage.BeforeUnmasking)).ToArray();
            foreach (var i in active)
            {
                server.Receive(clients[i].Unmask(request));
                Restart(i);
                Assert.Throws<InvalidOperationException>(() => clients[i].Unmask(request));
            }
            return server.Finish();
        }
        finally
        {
            DisposeAll(clients);
            foreach (var signer in signers ?? [])
            {
                signer.Dispose();
            }
        }
    }

    private static (SecureAggregationServer Server, SecureAggregationClient[] Clients) ThroughMaskedInputs(SecureAggregationConfig config, float[][] inputs, Action<SecureAggregationClient>? onStage = null)
    {
        var server = new SecureAggregationServer(config);
        var clients = Enumerable.Range(0, config.Clients).Select(i => new SecureAggregationClient(config, i)).ToArray();
        onStage?.Invoke(clients[0]);
        foreach (var client in clients)
        {
            server.Receive(client.AdvertiseKeys());
        }
        onStage?.Invoke(clients[0]);
        var keys = server.CloseAdvertising();
        foreach (var client in clients)
        {
            server.Receive(client.ShareKeys(keys));
        }
        onStage?.Invoke(clients[0]);
        var deliveries = server.CloseSharing();
        foreach (var client in clients)
        {
            server.Receive(client.MaskInput(deliveries[client.ClientId], inputs[client.ClientId]));
        }
        onStage?.Invoke(clients[0]);
        return (server, clients);
    }

    private static void AssertSameState(SecureAggregationClientState expected, SecureAggregationClientState actual)
    {
        Assert.Equal(expected.Config, actual.Config);
        Assert.Equal(expected.ClientId, actual.ClientId);
        Assert.Equal(expected.Stage, actual.Stage);
        Assert.Equal(expected.EncryptionPrivateKey, actual.EncryptionPrivateKey);
        Assert.Equal(expected.MaskingPrivateKey, actual.MaskingPrivateKey);
        Assert.Equal(expected.NeighbourKeys.Length, actual.NeighbourKeys.Length);
        foreach (var (e, a) in expected.NeighbourKeys.Zip(actual.NeighbourKeys))
        {
            Assert.Equal(e.ClientId, a.ClientId);
            Assert.Equal(e.EncryptionPublicKey, a.EncryptionPublicKey);
            Assert.Equal(e.MaskingPublicKey, a.MaskingPublicKey);
            Assert.Equal(e.Signature, a.Signature);
        }
        Assert.Equal(expected.HeldShares.Length, actual.HeldShares.Length);
        foreach (var (e, a) in expected.HeldShares.Zip(actual.HeldShares))
        {
            Assert.Equal(e.Owner, a.Owner);
            Assert.Equal(e.MaskingKeyShare, a.MaskingKeyShare);
            Assert.Equal(e.SelfMaskShare, a.SelfMaskShare);
        }
        Assert.Equal(expected.SharedKeys, actual.SharedKeys);
        Assert.Equal(expected.SelfMaskSeed, actual.SelfMaskSeed);
    }

    private static byte[] Rechecksummed(byte[] bytes)
    {
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }

    private static void DisposeAll(IEnumerable<SecureAggregationClient> clients)
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static float[][] RandomInputs(int clients, int parameters, int seed)
    {
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
        for (var j = 0; j < expected.Length; j++)
        {
            // Quantisation bound plus the final rounding to float.
            var allowed = result.ErrorBound + Math.Abs(expected[j]) * 6e-8;
            Assert.True(Math.Abs(result.Sum[j] - expected[j]) <= allowed, $"coordinate {j}: {result.Sum[j]} against {expected[j]}, allowed {allowed:G3}");
        }
    }
}
