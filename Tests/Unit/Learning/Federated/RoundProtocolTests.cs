using System.Security.Cryptography;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Federated.SecureAggregation;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Tests.Learning.Federated;

/// <summary>The round protocol the round grains run: stages, refusals, dropouts, and a log that rebuilds the same round.</summary>
public sealed class RoundProtocolTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ParameterLayout Layout = ParameterLayout.Of(new NetConfig(5, 1, 2, 4));
    private readonly Dictionary<string, ECDsa> _keys = Enumerable.Range(1, 4).ToDictionary(i => $"relay-{i}", _ => ECDsa.Create(ECCurve.NamedCurves.nistP256));
    private readonly List<RoundMessage> _log = [];

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    [Fact]
    public void ASecureRoundWithARelayLostAfterSharingSumsTheOthersAndItsLogRebuildsTheSameRound()
    {
        var start = RoundOf(secure: true);
        using var protocol = NewProtocol(start);
        var updates = _keys.Keys.ToDictionary(id => id, id => RandomUpdate(id.GetHashCode(StringComparison.Ordinal)));
        foreach (var id in _keys.Keys)
        {
            Send(protocol, id, RoundMessageKinds.Ready, Ready(id));
        }
        Assert.Equal(RoundStages.Advertising, protocol.Stage); // everyone answered: the stage closed

        var clients = new Dictionary<string, SecureAggregationClient>();
        foreach (var id in _keys.Keys)
        {
            var task = protocol.TaskFor(id);
            clients[id] = new SecureAggregationClient(task.Plan!.ToConfig(start.RoundId), task.ClientId!.Value, signer: new Signer(_keys[id]));
            Send(protocol, id, RoundMessageKinds.Keys, clients[id].AdvertiseKeys().ToWire());
        }
        foreach (var id in _keys.Keys)
        {
            var task = protocol.TaskFor(id);
            Send(protocol, id, RoundMessageKinds.Shares, clients[id].ShareKeys(new KeysBroadcast(start.RoundId, [.. task.Survivors!], [.. task.Advertisements!.Select(a => a.FromWire())])).ToWire());
        }
        Assert.Equal(RoundStages.Masking, protocol.Stage);
        // relay-4 dies before its masked input; the stage closes at its deadline without it.
        foreach (var id in _keys.Keys.Where(id => id != "relay-4"))
        {
            var task = protocol.TaskFor(id);
            var masked = clients[id].MaskInput(new ShareDelivery(start.RoundId, task.ClientId!.Value, [.. task.Survivors!], [.. task.Bundles!.Select(b => b.FromWire())]), Input(updates[id]));
            var values = SecureAggregationWire.ToBytes(masked.Values);
            Send(protocol, id, RoundMessageKinds.Masked, new MaskedUpdate(task.ClientId.Value, values, Metrics, Sign(start, id, values), DataHash(id)));
        }
        Assert.Equal(RoundStages.Masking, protocol.Stage);
        Close(protocol, Start.AddSeconds(40));
        Assert.Equal(RoundStages.Unmasking, protocol.Stage);
        Assert.False(protocol.TaskFor("relay-4").Expected);
        foreach (var id in _keys.Keys.Where(id => id != "relay-4"))
        {
            Send(protocol, id, RoundMessageKinds.Unmask, clients[id].Unmask(new UnmaskRequest(start.RoundId, [.. protocol.TaskFor(id).Survivors!])).ToWire());
        }

        Assert.Equal(RoundStages.Aggregating, protocol.Stage);
        Assert.Equal(["relay-1", "relay-2", "relay-3"], protocol.SecureSurvivors);
        var expected = new float[Layout.Length];
        foreach (var id in protocol.SecureSurvivors)
        {
            VectorMath.AddScaled(expected, updates[id], Weight);
        }
        var sum = protocol.SecureSum!.Sum;
        // The quantisation's bound, plus float32's rounding of the decoded and the expected sums.
        var tolerance = protocol.SecureSum.ErrorBound + 1e-6;
        for (var i = 0; i < Layout.Length; i++)
        {
            Assert.InRange(sum[i] - expected[i], -tolerance, tolerance);
        }

        // A silo that reads the log after a crash builds the same round: same stage, same survivors, the same sum to the bit.
        using var replayed = NewProtocol(start);
        foreach (var message in _log)
        {
            replayed.Apply(message, verify: false);
        }
        Assert.Equal(protocol.Stage, replayed.Stage);
        Assert.Equal(protocol.SecureSurvivors, replayed.SecureSurvivors);
        Assert.Equal(protocol.SecureSum.Sum, replayed.SecureSum!.Sum);
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }

    [Fact]
    public void APlainRoundRefusesForgedLateAndRepeatedUpdatesAndChangesNothing()
    {
        var start = RoundOf(secure: false);
        using var protocol = NewProtocol(start);
        foreach (var id in _keys.Keys)
        {
            Send(protocol, id, RoundMessageKinds.Ready, Ready(id));
        }
        Assert.Equal(RoundStages.Training, protocol.Stage);
        var update = UpdateCodecs.Create("int8", Layout).Encode(RandomUpdate(1));

        var forged = Refused(protocol, "relay-1", RoundMessageKinds.Update, new GradientSubmission(start.RoundId, update, "int8", Metrics, Sign(start, "relay-2", update), DataHash("relay-1")));
        Assert.Equal("invalid_signature", forged.Code);
        var wrongProof = Refused(protocol, "relay-1", RoundMessageKinds.Update, new GradientSubmission(start.RoundId, update, "int8", Metrics, Sign(start, "relay-1", update), DataHash("relay-2")));
        Assert.Equal("invalid_proof", wrongProof.Code);
        var garbage = Refused(protocol, "relay-1", RoundMessageKinds.Update, new GradientSubmission(start.RoundId, [1, 2, 3], "int8", Metrics, Sign(start, "relay-1", [1, 2, 3]), DataHash("relay-1")));
        Assert.Equal("invalid_update", garbage.Code);
        var stranger = Assert.Throws<RoundMessageRefusedException>(() => protocol.Apply(new RoundMessage(protocol.Sequence + 1, RoundMessageKinds.Update, "relay-9", [], Start)));
        Assert.Equal("not_a_participant", stranger.Code);
        Assert.Empty(protocol.PlainUpdates);

        Send(protocol, "relay-1", RoundMessageKinds.Update, new GradientSubmission(start.RoundId, update, "int8", Metrics, Sign(start, "relay-1", update), DataHash("relay-1")));
        var again = Refused(protocol, "relay-1", RoundMessageKinds.Update, new GradientSubmission(start.RoundId, update, "int8", Metrics, Sign(start, "relay-1", update), DataHash("relay-1")));
        Assert.True(again.Conflict);
        Assert.Equal("already_answered", again.Code);
        var late = Refused(protocol, "relay-2", RoundMessageKinds.Ready, Ready("relay-2"));
        Assert.Equal("wrong_stage", late.Code);
        Assert.Single(protocol.PlainUpdates);

        Close(protocol, Start.AddSeconds(70));
        Assert.Equal(RoundStages.Aggregating, protocol.Stage); // one answer is enough for a minimum of one
        Assert.Equal(["relay-1"], protocol.PlainUpdates.Keys);
    }

    [Fact]
    public void ARoundFailsWhenFewerThanItsMinimumAnswerAStage()
    {
        var start = RoundOf(secure: true) with { MinParticipants = 3 };
        using var protocol = NewProtocol(start);
        Send(protocol, "relay-1", RoundMessageKinds.Ready, Ready("relay-1"));
        Send(protocol, "relay-2", RoundMessageKinds.Ready, Ready("relay-2"));
        Close(protocol, Start.AddSeconds(30));
        Assert.Equal(RoundStages.Failed, protocol.Stage);
        Assert.Contains("only 2 of 4 participants answered stage ready", protocol.FailureReason, StringComparison.Ordinal);
    }

    private const float Weight = 0.5f;

    private static readonly UpdateMetrics Metrics = new(5_000, 10, 3.2, 0.1, 0.5);

    private static RoundStart RoundOf(bool secure) => new("round-000001", "genesis", secure ? 2 : 1, Start.AddSeconds(30), "fedavg", null, secure, ["relay-1", "relay-2", "relay-3", "relay-4"],
        new LocalTrainingPlan(), secure ? "none" : "int8", Start);

    private RoundProtocol NewProtocol(RoundStart start) => new(start, Layout, id => _keys.GetValueOrDefault(id), clipNorm: null);

    private static string[] Games(string relayId) => [relayId + "-game-1", relayId + "-game-2"];

    private static string DataHash(string relayId) => FederatedSigning.DataHash(Games(relayId));

    private static PeerReady Ready(string relayId) => new(relayId, 2, DataHash(relayId), Games(relayId));

    private string Sign(RoundStart start, string relayId, byte[] payload) =>
        FederatedSigning.Sign(_keys[relayId], FederatedSigning.SubmissionBytes(start.RoundId, relayId, payload, DataHash(relayId)));

    private static float[] RandomUpdate(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Layout.Length).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f)];
    }

    /// <summary>[w·Δ, w, within-clip] as the relay trainer masks it.</summary>
    private static float[] Input(float[] delta) => [.. delta.Select(d => Weight * d), Weight, 1f];

    /// <summary>Applies a relay's message and, as the round grain does, closes the stage once everyone it waits for answered.</summary>
    private void Send<T>(RoundProtocol protocol, string relayId, string kind, T body)
    {
        var message = new RoundMessage(protocol.Sequence + 1, kind, relayId, RoundProtocol.Serialize(body), Start.AddSeconds(1));
        protocol.Apply(message);
        _log.Add(message);
        if (protocol.StageComplete)
        {
            Close(protocol, Start.AddSeconds(1));
        }
    }

    private void Close(RoundProtocol protocol, DateTimeOffset at)
    {
        var message = new RoundMessage(protocol.Sequence + 1, RoundMessageKinds.Close, "", [], at);
        protocol.Apply(message);
        _log.Add(message);
    }

    private static RoundMessageRefusedException Refused<T>(RoundProtocol protocol, string relayId, string kind, T body) =>
        Assert.Throws<RoundMessageRefusedException>(() => protocol.Apply(new RoundMessage(protocol.Sequence + 1, kind, relayId, RoundProtocol.Serialize(body), Start)));

    private sealed class Signer(ECDsa key) : IAdvertisementSigner
    {
        public byte[] Sign(byte[] payload) => key.SignData(payload, HashAlgorithmName.SHA256);
    }
}
