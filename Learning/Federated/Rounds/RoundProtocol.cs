using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.SecureAggregation;

namespace OrleansGoRelay.Learning.Federated.Rounds;

/// <summary>One message of a round's log, as stored (the log is the round: replaying it rebuilds the protocol).</summary>
/// <param name="Sequence">Its place in the log, from 1.</param>
/// <param name="Kind">ready, keys, shares, masked, unmask, update or close (see <see cref="RoundMessageKinds"/>).</param>
/// <param name="RelayId">The sender (empty for a close).</param>
/// <param name="Body">The wire record as JSON (empty for a close).</param>
/// <param name="At">When it was accepted.</param>
public sealed record RoundMessage(long Sequence, string Kind, string RelayId, byte[] Body, DateTimeOffset At);

/// <summary>The kinds of round messages.</summary>
public static class RoundMessageKinds
{
    public const string Ready = "ready";
    public const string Keys = "keys";
    public const string Shares = "shares";
    public const string Masked = "masked";
    public const string Unmask = "unmask";
    public const string Update = "update";
    /// <summary>The server closed the current stage (at a deadline, or when everyone expected had answered).</summary>
    public const string Close = "close";

    /// <summary>The stage a message kind belongs to.</summary>
    public static string StageOf(string kind) => kind switch
    {
        Ready => RoundStages.Ready,
        Keys => RoundStages.Advertising,
        Shares => RoundStages.Sharing,
        Masked => RoundStages.Masking,
        Unmask => RoundStages.Unmasking,
        Update => RoundStages.Training,
        _ => throw new ArgumentException($"'{kind}' is not a participant's message.", nameof(kind)),
    };
}

/// <summary>A message the round will not take, with a stable code for the API.</summary>
public sealed class RoundMessageRefusedException(string code, string message, bool conflict = false) : Exception(message)
{
    public RoundMessageRefusedException() : this("refused", "The round refused the message.")
    {
    }

    public RoundMessageRefusedException(string message, Exception innerException) : this("refused", message) => _ = innerException;

    /// <summary>Machine-readable reason.</summary>
    public string Code { get; } = code;

    /// <summary>Whether it conflicts with the round's state (409) rather than being malformed (400/422).</summary>
    public bool Conflict { get; } = conflict;
}

/// <summary>One participant's part so far.</summary>
internal sealed class Participant(string relayId)
{
    public string RelayId { get; } = relayId;
    public int? ClientId { get; set; }
    public HashSet<string> Stages { get; } = new(StringComparer.Ordinal);
    public PeerReady? Ready { get; set; }
    public UpdateMetrics? Metrics { get; set; }
    public long Bytes { get; set; }
    public string? DroppedAt { get; set; }
    public string? Signature { get; set; }
    public string? PayloadHash { get; set; }
}

/// <summary>
/// A federated round's protocol, deterministic and free of storage and time sources: it takes the round's log one
/// message at a time (a participant's message, or the server's decision to close the current stage) and knows what it
/// expects of whom, so the grain running it can write each message before acknowledging it and, after a crash, rebuild
/// the same state (the secure-aggregation server included) by replaying the log on another silo.
/// <para>Stages: ready (PeerReady) → with secure aggregation advertising → sharing → masking → unmasking (Bonawitz et
/// al.'s four rounds over the relays that were ready), without it training (compressed updates) → aggregating, or
/// failed when fewer than the minimum answered a stage. A stage closes when everyone it waits for answered or at its
/// deadline, one stage length after it opened; whoever did not answer is dropped from then on (secure aggregation
/// removes a dropped client's masks from its neighbours' shares).</para>
/// </summary>
public sealed class RoundProtocol : IDisposable
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly Dictionary<string, Participant> _participants;
    private readonly List<string> _order;
    private readonly Func<string, ECDsa?> _relayKeys;
    private readonly ParameterLayout _layout;
    private readonly double? _clipNorm;
    private SecureAggregationServer? _server;
    private KeysBroadcast? _broadcast;
    private IReadOnlyDictionary<int, ShareDelivery>? _deliveries;
    private UnmaskRequest? _unmaskRequest;
    private readonly Dictionary<string, ClientUpdate> _updates = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>The protocol of round <paramref name="start"/> over a model of <paramref name="layout"/>.</summary>
    /// <param name="start">The round.</param>
    /// <param name="layout">The model's parameters (what plain updates decode to).</param>
    /// <param name="relayKeys">A relay's registered public key (checks the signatures of updates and advertisements).</param>
    /// <param name="clipNorm">With privacy: the L2 bound each relay clips its update to.</param>
    public RoundProtocol(RoundStart start, ParameterLayout layout, Func<string, ECDsa?> relayKeys, double? clipNorm)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(relayKeys);
        Start = start;
        _layout = layout;
        _relayKeys = relayKeys;
        _clipNorm = clipNorm;
        _order = [.. start.Participants];
        _participants = start.Participants.ToDictionary(id => id, id => new Participant(id), StringComparer.Ordinal);
        StageOpenedAt = start.StartedAt;
    }

    /// <summary>The round.</summary>
    public RoundStart Start { get; }

    /// <summary>The current stage (<see cref="RoundStages"/>).</summary>
    public string Stage { get; private set; } = RoundStages.Ready;

    /// <summary>When the current stage opened.</summary>
    public DateTimeOffset StageOpenedAt { get; private set; }

    /// <summary>How long a stage waits: the round's first deadline after its start.</summary>
    public TimeSpan StageLength => Start.Deadline - Start.StartedAt;

    /// <summary>When the current stage closes at the latest.</summary>
    public DateTimeOffset StageDeadline => StageOpenedAt + StageLength;

    /// <summary>Why the round failed, once it did.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Messages applied so far.</summary>
    public long Sequence => _sequence;

    /// <summary>Bytes of participants' messages applied.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Seconds each closed stage stayed open.</summary>
    public Dictionary<string, double> StageSeconds { get; } = new(StringComparer.Ordinal);

    /// <summary>Seconds the server spent on each stage's work (closing and aggregating the secure sum).</summary>
    public Dictionary<string, double> ServerSeconds { get; } = new(StringComparer.Ordinal);

    /// <summary>The secure sum, once unmasking closed (the model's coordinates, then Σw, then the count within the clip).</summary>
    public SecureAggregationResult? SecureSum { get; private set; }

    /// <summary>The relays whose masked inputs are in the secure sum.</summary>
    public IReadOnlyList<string> SecureSurvivors { get; private set; } = [];

    /// <summary>The plain updates received (training stage), by relay.</summary>
    public IReadOnlyDictionary<string, ClientUpdate> PlainUpdates => _updates;

    /// <summary>A participant's metrics and bytes, for the contribution score.</summary>
    public IEnumerable<(string RelayId, UpdateMetrics? Metrics, long Bytes, PeerReady? Ready)> Contributions =>
        _order.Select(id => _participants[id]).Select(p => (p.RelayId, p.Metrics, p.Bytes, p.Ready));

    /// <summary>The secure-aggregation parameters, once the ready stage closed.</summary>
    public SecureAggregationPlan? Plan { get; private set; }

    /// <summary>Whether every participant the current stage waits for has answered.</summary>
    public bool StageComplete => !RoundStages.IsFinished(Stage) && Stage != RoundStages.Aggregating && Awaited().All(p => p.Stages.Contains(Stage));

    /// <summary>The participants the current stage waits for.</summary>
    public int Expected => Awaited().Count();

    /// <summary>The participants that answered the current stage.</summary>
    public int Received => Awaited().Count(p => p.Stages.Contains(Stage));

    /// <summary>Applies one message of the log; refuses (and changes nothing) when it does not fit the round.</summary>
    /// <param name="message">The message.</param>
    /// <param name="verify">Whether to check signatures (false when replaying a log whose messages were checked before they were written).</param>
    public StageReceipt Apply(RoundMessage message, bool verify = true)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind == RoundMessageKinds.Close)
        {
            Close(message.At);
            _sequence = message.Sequence;
            return new StageReceipt(Start.RoundId, Stage, Received, Expected);
        }
        var stage = RoundMessageKinds.StageOf(message.Kind);
        if (!_participants.TryGetValue(message.RelayId, out var participant))
        {
            throw new RoundMessageRefusedException("not_a_participant", $"Relay '{message.RelayId}' was not sampled for round '{Start.RoundId}'.", conflict: true);
        }
        if (Stage != stage)
        {
            throw new RoundMessageRefusedException("wrong_stage", $"Round '{Start.RoundId}' is at stage {Stage}; a {message.Kind} message belongs to stage {stage}.", conflict: true);
        }
        if (participant.Stages.Contains(stage))
        {
            throw new RoundMessageRefusedException("already_answered", $"Relay '{message.RelayId}' already answered stage {stage} of round '{Start.RoundId}'.", conflict: true);
        }
        if (!Awaited().Contains(participant))
        {
            throw new RoundMessageRefusedException("dropped", $"Relay '{message.RelayId}' dropped out of round '{Start.RoundId}' at stage {participant.DroppedAt ?? "ready"}.", conflict: true);
        }
        try
        {
            switch (message.Kind)
            {
                case RoundMessageKinds.Ready:
                    ApplyReady(participant, Parse<PeerReady>(message.Body));
                    break;
                case RoundMessageKinds.Keys:
                    ApplyKeys(participant, Parse<KeyAdvertisement>(message.Body));
                    break;
                case RoundMessageKinds.Shares:
                    var shares = Parse<KeyShares>(message.Body);
                    RequireClient(participant, shares.ClientId);
                    _server!.Receive(shares.FromWire());
                    break;
                case RoundMessageKinds.Masked:
                    ApplyMasked(participant, Parse<MaskedUpdate>(message.Body), verify);
                    break;
                case RoundMessageKinds.Unmask:
                    var unmask = Parse<UnmaskShares>(message.Body);
                    RequireClient(participant, unmask.ClientId);
                    _server!.Receive(unmask.FromWire());
                    break;
                case RoundMessageKinds.Update:
                    ApplyUpdate(participant, Parse<GradientSubmission>(message.Body), verify);
                    break;
            }
        }
        catch (ArgumentException e)
        {
            // The library's checks of a message (wrong sizes, keys off the curve, duplicate or misaddressed shares).
            throw new RoundMessageRefusedException("invalid_message", e.Message);
        }
        catch (AggregationRefusedException e)
        {
            throw new RoundMessageRefusedException("invalid_message", e.Message);
        }
        participant.Stages.Add(stage);
        BytesReceived += message.Body.Length;
        participant.Bytes += message.Body.Length;
        _sequence = message.Sequence;
        return new StageReceipt(Start.RoundId, Stage, Received, Expected);
    }

    /// <summary>What <paramref name="relayId"/> is asked for now.</summary>
    public RoundTask TaskFor(string relayId)
    {
        if (!_participants.TryGetValue(relayId, out var participant))
        {
            return new RoundTask(Start.RoundId, Stage, false, false, null, null, null, null, null, null, StageDeadline);
        }
        var expected = Awaited().Contains(participant) && !participant.Stages.Contains(Stage);
        var clientId = participant.ClientId;
        IReadOnlyList<KeyAdvertisement>? advertisements = null;
        IReadOnlyList<int>? survivors = null;
        IReadOnlyList<SealedShare>? bundles = null;
        switch (Stage)
        {
            case RoundStages.Sharing when _broadcast is not null:
                advertisements = [.. _broadcast.Advertisements.Select(a => a.ToWire())];
                survivors = _broadcast.Survivors;
                break;
            case RoundStages.Masking when _deliveries is not null && clientId is { } id && _deliveries.TryGetValue(id, out var delivery):
                survivors = delivery.Survivors;
                bundles = [.. delivery.Bundles.Select(b => b.ToWire())];
                break;
            case RoundStages.Unmasking when _unmaskRequest is not null:
                survivors = _unmaskRequest.Survivors;
                break;
        }
        return new RoundTask(Start.RoundId, Stage, true, expected, clientId, Plan, advertisements, survivors, bundles, _clipNorm, StageDeadline);
    }

    /// <summary>Each participant's part, for the round's view.</summary>
    public IReadOnlyList<RoundParticipantView> Participants(IReadOnlySet<string>? included = null, IReadOnlyDictionary<string, string>? rejected = null) =>
        [.. _order.Select(id => _participants[id]).Select(p =>
        {
            var status = rejected?.ContainsKey(p.RelayId) == true ? "rejected"
                : included?.Contains(p.RelayId) == true ? "included"
                : p.DroppedAt is not null ? "dropped"
                : p.Stages.Contains(Stage) || RoundStages.IsFinished(Stage) || Stage == RoundStages.Aggregating ? "answered" : "waiting";
            var reason = rejected?.GetValueOrDefault(p.RelayId) ?? (p.DroppedAt is { } at ? $"no answer in stage {at}" : null);
            return new RoundParticipantView(p.RelayId, p.ClientId, [.. p.Stages.Order(StringComparer.Ordinal)], status, reason);
        })];

    /// <summary>The signed payload hashes and signatures of the included updates (the aggregation record).</summary>
    public IReadOnlyList<(string RelayId, string PayloadHash, string Signature, string DataHash)> Record =>
        [.. _order.Select(id => _participants[id]).Where(p => p.Signature is not null)
            .Select(p => (p.RelayId, p.PayloadHash!, p.Signature!, p.Ready?.DataHash ?? ""))];

    /// <summary>Closes the current stage: whoever did not answer is dropped; the next stage opens, or the round fails.</summary>
    private void Close(DateTimeOffset at)
    {
        if (RoundStages.IsFinished(Stage) || Stage == RoundStages.Aggregating)
        {
            throw new RoundMessageRefusedException("round_closed", $"Round '{Start.RoundId}' has no open stage.", conflict: true);
        }
        var closing = Stage;
        foreach (var p in Awaited().Where(p => !p.Stages.Contains(closing)).ToList())
        {
            p.DroppedAt = closing;
        }
        StageSeconds[closing] = Math.Max(0, (at - StageOpenedAt).TotalSeconds);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answered = Awaited().Count();
        var minimum = Math.Max(1, Start.MinParticipants);
        try
        {
            if (answered < minimum)
            {
                Fail($"only {answered} of {_participants.Count} participants answered stage {closing}; the round needs {minimum}");
            }
            else
            {
                Stage = closing switch
                {
                    RoundStages.Ready when Start.SecureAggregation => OpenSecureAggregation(),
                    RoundStages.Ready => RoundStages.Training,
                    RoundStages.Advertising => CloseAdvertising(),
                    RoundStages.Sharing => CloseSharing(),
                    RoundStages.Masking => CloseMasking(),
                    RoundStages.Unmasking => FinishSecureSum(),
                    RoundStages.Training => RoundStages.Aggregating,
                    _ => throw new InvalidOperationException($"No stage follows {closing}."),
                };
            }
        }
        catch (AggregationRefusedException e)
        {
            Fail(e.Message);
        }
        ServerSeconds[closing] = ServerSeconds.GetValueOrDefault(closing) + clock.Elapsed.TotalSeconds;
        StageOpenedAt = at;
    }

    private void Fail(string reason)
    {
        FailureReason = reason;
        Stage = RoundStages.Failed;
    }

    private string OpenSecureAggregation()
    {
        var ready = _order.Select(id => _participants[id]).Where(p => p.Ready is not null).ToList();
        if (ready.Count < 2)
        {
            throw new AggregationRefusedException($"secure aggregation needs at least 2 ready participants, {ready.Count} were ready");
        }
        for (var i = 0; i < ready.Count; i++)
        {
            ready[i].ClientId = i;
        }
        // Each relay masks [w·Δ, w, within-clip]: coordinates of a clipped update stay inside ±clip (±1 without privacy,
        // where each coordinate is clipped instead); the weight is at most 1.
        var clipRange = Math.Max(1.0, _clipNorm ?? 1.0);
        var graphSeed = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(Start.RoundId)), 0);
        // The complete graph up to 40 relays; above, Harary graphs of about log n neighbours keep the work per client small (Bell et al.).
        var neighbours = ready.Count <= 40 ? 0 : NeighboursFor(ready.Count);
        var config = SecureAggregationConfig.Create(Start.RoundId, ready.Count, _layout.Length + 2, clipRange, neighbours, graphSeed: graphSeed);
        Plan = new SecureAggregationPlan(config.Clients, config.Parameters, clipRange, neighbours, config.Threshold, graphSeed);
        _server = new SecureAggregationServer(config, verifier: new RelayAdvertisementVerifier(this));
        return RoundStages.Advertising;
    }

    private static int NeighboursFor(int clients)
    {
        var k = Math.Max(20, (int)Math.Ceiling(4 * Math.Log2(clients)));
        k += k % 2; // even, so any n works
        return Math.Min(k, clients - 1 - ((clients - 1) % 2));
    }

    private string CloseAdvertising()
    {
        _broadcast = _server!.CloseAdvertising();
        return RoundStages.Sharing;
    }

    private string CloseSharing()
    {
        _deliveries = _server!.CloseSharing();
        return RoundStages.Masking;
    }

    private string CloseMasking()
    {
        _unmaskRequest = _server!.CloseMaskedInputs();
        return RoundStages.Unmasking;
    }

    private string FinishSecureSum()
    {
        SecureSum = _server!.Finish();
        var byClient = _participants.Values.Where(p => p.ClientId is not null).ToDictionary(p => p.ClientId!.Value);
        SecureSurvivors = [.. SecureSum.Included.Select(i => byClient[i].RelayId)];
        return RoundStages.Aggregating;
    }

    private IEnumerable<Participant> Awaited() => _order.Select(id => _participants[id]).Where(p => p.DroppedAt is null);

    private static void ApplyReady(Participant participant, PeerReady ready)
    {
        if (ready.RelayId != participant.RelayId)
        {
            throw new RoundMessageRefusedException("invalid_message", $"The ready message names relay '{ready.RelayId}', but '{participant.RelayId}' sent it.");
        }
        if (ready.GameCount < 1 || ready.DataHash is not { Length: 64 } || !ready.DataHash.All(char.IsAsciiHexDigitLower))
        {
            throw new RoundMessageRefusedException("invalid_message", "A ready relay trains on at least one game and declares their SHA-256 (64 lowercase hex digits).");
        }
        if (ready.GameIds is { } ids && (ids.Count != ready.GameCount || FederatedSigning.DataHash(ids) != ready.DataHash))
        {
            throw new RoundMessageRefusedException("invalid_proof", "The data hash is not the SHA-256 of the game ids the relay names.");
        }
        participant.Ready = ready;
    }

    private void ApplyKeys(Participant participant, KeyAdvertisement advert)
    {
        RequireClient(participant, advert.ClientId);
        _server!.Receive(advert.FromWire());
    }

    private void ApplyMasked(Participant participant, MaskedUpdate update, bool verify)
    {
        RequireClient(participant, update.ClientId);
        var values = update.Values ?? [];
        var dataHash = participant.Ready!.DataHash;
        if (verify)
        {
            RequireSignature(participant, values, dataHash, update.Signature, update.Proof);
        }
        RequireMetrics(update.Metrics);
        _server!.Receive(new MaskedInput(update.ClientId, SecureAggregationWire.ToValues(values)));
        participant.Metrics = update.Metrics;
        participant.Signature = update.Signature;
        participant.PayloadHash = Convert.ToHexStringLower(SHA256.HashData(values));
    }

    private void ApplyUpdate(Participant participant, GradientSubmission submission, bool verify)
    {
        if (submission.RoundId != Start.RoundId)
        {
            throw new RoundMessageRefusedException("invalid_message", $"The update is for round '{submission.RoundId}'.");
        }
        if (!string.Equals(submission.Codec, Start.Codec, StringComparison.OrdinalIgnoreCase))
        {
            throw new RoundMessageRefusedException("invalid_message", $"Round '{Start.RoundId}' takes {Start.Codec} updates, not {submission.Codec}.");
        }
        var payload = submission.Update ?? [];
        var dataHash = participant.Ready!.DataHash;
        if (verify)
        {
            RequireSignature(participant, payload, dataHash, submission.Signature, submission.Proof);
        }
        RequireMetrics(submission.Metrics);
        float[] delta;
        try
        {
            delta = UpdateCodecs.Create(Start.Codec, _layout).Decode(payload, _layout.Length);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException)
        {
            throw new RoundMessageRefusedException("invalid_update", $"The update does not decode as {Start.Codec} over {_layout.Length:N0} parameters: {e.Message}");
        }
        _updates[participant.RelayId] = new ClientUpdate(participant.RelayId, delta, Math.Max(1, submission.Metrics.Examples));
        participant.Metrics = submission.Metrics;
        participant.Signature = submission.Signature;
        participant.PayloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));
    }

    private void RequireSignature(Participant participant, byte[] payload, string dataHash, string signature, string proof)
    {
        if (proof != dataHash)
        {
            throw new RoundMessageRefusedException("invalid_proof", $"The update's proof is not the data hash relay '{participant.RelayId}' declared when ready.");
        }
        var key = _relayKeys(participant.RelayId) ?? throw new RoundMessageRefusedException("unknown_relay", $"Relay '{participant.RelayId}' has no registered key.");
        if (!FederatedSigning.Verify(key, FederatedSigning.SubmissionBytes(Start.RoundId, participant.RelayId, payload, dataHash), signature))
        {
            throw new RoundMessageRefusedException("invalid_signature", $"The update is not signed by relay '{participant.RelayId}''s key.");
        }
    }

    private static void RequireMetrics(UpdateMetrics? metrics)
    {
        if (metrics is null || metrics.Examples < 1 || metrics.Steps < 0 || !double.IsFinite(metrics.Loss) || !double.IsFinite(metrics.ComputeSeconds) || metrics.ComputeSeconds < 0)
        {
            throw new RoundMessageRefusedException("invalid_message", "An update carries its training metrics: at least one example, finite loss and compute time.");
        }
    }

    private static void RequireClient(Participant participant, int clientId)
    {
        if (participant.ClientId != clientId)
        {
            throw new RoundMessageRefusedException("invalid_message", $"Relay '{participant.RelayId}' is client {participant.ClientId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} of the round, not {clientId}.");
        }
    }

    private static T Parse<T>(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json) ?? throw new RoundMessageRefusedException("malformed_json", "The body is empty.");
        }
        catch (JsonException e)
        {
            throw new RoundMessageRefusedException("malformed_json", $"The body is not a {typeof(T).Name} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
    }

    /// <summary>The JSON a message body is stored as.</summary>
    public static byte[] Serialize<T>(T body) => JsonSerializer.SerializeToUtf8Bytes(body, Json);

    public void Dispose() => _server?.Dispose();

    /// <summary>Checks advertisements with the registered key of the relay holding the client id.</summary>
    private sealed class RelayAdvertisementVerifier(RoundProtocol protocol) : IAdvertisementVerifier
    {
        public bool Verify(int clientId, byte[] payload, byte[] signature)
        {
            var relay = protocol._participants.Values.FirstOrDefault(p => p.ClientId == clientId);
            var key = relay is null ? null : protocol._relayKeys(relay.RelayId);
            return key is not null && key.VerifyData(payload, signature, HashAlgorithmName.SHA256);
        }
    }
}
