using System.Collections.Concurrent;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Learning.Federated.Rounds;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>A round as stored: its start, what the scheduler fixed, its stage and, once finished, its outcome.</summary>
public sealed record StoredRound(string RoundId, int Number, RoundStart Start, RoundSetup Setup, string Stage, RoundOutcome? Outcome, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

/// <summary>What a finished round produced and paid.</summary>
/// <param name="Result">The design's ModelUpdate.</param>
/// <param name="EpsilonSpent">ε after the round, with privacy.</param>
/// <param name="FailureReason">Why it failed, if it did.</param>
/// <param name="Participants">Each participant's part.</param>
/// <param name="StageSeconds">How long each stage stayed open.</param>
/// <param name="ServerSeconds">The server's own time per step.</param>
/// <param name="BytesReceived">Bytes of the participants' messages.</param>
/// <param name="Settlement">The settlement batch's transfer ids and amounts, by account.</param>
/// <param name="NoiseStandardDeviation">The DP noise per coordinate, with privacy.</param>
public sealed record RoundOutcome(
    ModelUpdate Result, double? EpsilonSpent, string? FailureReason, IReadOnlyList<RoundParticipantView> Participants,
    IReadOnlyDictionary<string, double> StageSeconds, IReadOnlyDictionary<string, double> ServerSeconds, long BytesReceived,
    IReadOnlyDictionary<string, long> Settlement, double? NoiseStandardDeviation);

/// <summary>A registry version with its files.</summary>
/// <param name="View">What the API shows.</param>
/// <param name="Architecture">The net's shape (board size, blocks, channels, value hidden) as JSON.</param>
/// <param name="Weights">float32 little-endian, in the layout's order.</param>
/// <param name="Onnx">The ONNX export.</param>
public sealed record StoredVersion(ModelVersionView View, string Architecture, byte[] Weights, byte[] Onnx);

/// <summary>Where rounds, their logs and the model registry live (PostgreSQL schema <c>fl</c>, or memory).</summary>
public interface IFederatedStore
{
    /// <summary>Creates a round with the next number; false when the id exists.</summary>
    Task<bool> CreateRoundAsync(StoredRound round);

    /// <summary>The next round number.</summary>
    Task<int> NextRoundNumberAsync();

    /// <summary>A round, or null.</summary>
    Task<StoredRound?> GetRoundAsync(string roundId);

    /// <summary>Rounds, newest first.</summary>
    Task<IReadOnlyList<StoredRound>> ListRoundsAsync(int limit);

    /// <summary>Records a round's stage and, once finished, its outcome.</summary>
    Task UpdateRoundAsync(string roundId, string stage, RoundOutcome? outcome, DateTimeOffset? finishedAt);

    /// <summary>Appends an accepted message (committed when this returns); false when that relay's message of that kind is there already.</summary>
    Task<bool> AppendMessageAsync(string roundId, RoundMessage message);

    /// <summary>A round's log in order.</summary>
    Task<IReadOnlyList<RoundMessage>> MessagesAsync(string roundId);

    /// <summary>Inserts a version, numbering it; false when the hash or its round has one already.</summary>
    Task<bool> InsertVersionAsync(StoredVersion version);

    /// <summary>Versions, newest first.</summary>
    Task<IReadOnlyList<ModelVersionView>> VersionsAsync(int limit);

    /// <summary>A version, or null.</summary>
    Task<ModelVersionView?> VersionAsync(string modelHash);

    /// <summary>The version a round produced, or null.</summary>
    Task<ModelVersionView?> VersionOfRoundAsync(string roundId);

    /// <summary>A version's weights, or null.</summary>
    Task<byte[]?> WeightsAsync(string modelHash);

    /// <summary>A version's architecture JSON, or null.</summary>
    Task<string?> ArchitectureAsync(string modelHash);

    /// <summary>A version's ONNX file, or null.</summary>
    Task<byte[]?> OnnxAsync(string modelHash);

    /// <summary>The promoted version's hash, or null before the genesis version.</summary>
    Task<string?> PromotedAsync();

    /// <summary>
    /// Promotes a version and applies the <paramref name="reputation"/> it earns the owners of the stamps that trained it
    /// (<see cref="ReputationRules.ForPromotion"/>), atomically; a change whose event key was applied before counts once.
    /// </summary>
    Task PromoteAsync(string modelHash, DateTimeOffset at, IReadOnlyList<ReputationChange> reputation);

    /// <summary>
    /// Records whether a sampled relay was included in a round (once per round) with what the round cost its reputation
    /// (<see cref="ReputationRules.ForRound"/>), atomically; returns its consecutive failures.
    /// </summary>
    Task<int> RecordStandingAsync(string relayId, string roundId, bool included, DateTimeOffset now, ReputationChange? reputation = null);

    /// <summary>A privacy run's saved state (JSON), or null.</summary>
    Task<string?> PrivacyStateAsync(string run);

    /// <summary>Saves a privacy run's state.</summary>
    Task SavePrivacyStateAsync(string run, string state, DateTimeOffset now);
}

/// <summary>The store in memory, for in-process test clusters; reputation goes to <paramref name="relays"/> under this store's lock.</summary>
public sealed class InMemoryFederatedStore(IRelayStore relays) : IFederatedStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredRound> _rounds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<RoundMessage>> _messages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredVersion> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Failures, string LastRound)> _standing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _privacy = new(StringComparer.Ordinal);
    private string? _promoted;

    public Task<bool> CreateRoundAsync(StoredRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            return Task.FromResult(_rounds.TryAdd(round.RoundId, round) && _messages.TryAdd(round.RoundId, []));
        }
    }

    public Task<int> NextRoundNumberAsync()
    {
        lock (_gate)
        {
            return Task.FromResult(_rounds.Count == 0 ? 1 : _rounds.Values.Max(r => r.Number) + 1);
        }
    }

    public Task<StoredRound?> GetRoundAsync(string roundId)
    {
        lock (_gate)
        {
            return Task.FromResult(_rounds.GetValueOrDefault(roundId));
        }
    }

    public Task<IReadOnlyList<StoredRound>> ListRoundsAsync(int limit)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StoredRound>>([.. _rounds.Values.OrderByDescending(r => r.Number).Take(limit)]);
        }
    }

    public Task UpdateRoundAsync(string roundId, string stage, RoundOutcome? outcome, DateTimeOffset? finishedAt)
    {
        lock (_gate)
        {
            var round = _rounds[roundId];
            _rounds[roundId] = round with { Stage = stage, Outcome = outcome ?? round.Outcome, FinishedAt = finishedAt ?? round.FinishedAt };
        }
        return Task.CompletedTask;
    }

    public Task<bool> AppendMessageAsync(string roundId, RoundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var log = _messages[roundId];
            if (message.Kind != RoundMessageKinds.Close && log.Any(m => m.Kind == message.Kind && m.RelayId == message.RelayId))
            {
                return Task.FromResult(false);
            }
            log.Add(message);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<RoundMessage>> MessagesAsync(string roundId)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<RoundMessage>>([.. _messages.GetValueOrDefault(roundId) ?? []]);
        }
    }

    public Task<bool> InsertVersionAsync(StoredVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        lock (_gate)
        {
            if (_versions.ContainsKey(version.View.ModelHash) || (version.View.Round is { } round && _versions.Values.Any(v => v.View.Round == round)))
            {
                return Task.FromResult(false);
            }
            var number = _versions.Count + 1;
            _versions[version.View.ModelHash] = version with { View = version.View with { Version = number } };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<ModelVersionView>> VersionsAsync(int limit)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<ModelVersionView>>([.. _versions.Values.Select(v => v.View).OrderByDescending(v => v.Version).Take(limit)]);
        }
    }

    public Task<ModelVersionView?> VersionAsync(string modelHash)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(modelHash)?.View);
        }
    }

    public Task<ModelVersionView?> VersionOfRoundAsync(string roundId)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.Values.FirstOrDefault(v => v.View.Round == roundId)?.View);
        }
    }

    public Task<byte[]?> WeightsAsync(string modelHash)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(modelHash)?.Weights);
        }
    }

    public Task<string?> ArchitectureAsync(string modelHash)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(modelHash)?.Architecture);
        }
    }

    public Task<byte[]?> OnnxAsync(string modelHash)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(modelHash)?.Onnx);
        }
    }

    public Task<string?> PromotedAsync()
    {
        lock (_gate)
        {
            return Task.FromResult(_promoted);
        }
    }

    public async Task PromoteAsync(string modelHash, DateTimeOffset at, IReadOnlyList<ReputationChange> reputation)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        lock (_gate)
        {
            var version = _versions[modelHash];
            _versions[modelHash] = version with { View = version.View with { Promoted = true, PromotedAt = version.View.PromotedAt ?? at } };
            if (_promoted is { } previous && previous != modelHash)
            {
                _versions[previous] = _versions[previous] with { View = _versions[previous].View with { Promoted = false } };
            }
            _promoted = modelHash;
        }
        // Memory has no crash to survive between the two; the event keys keep a repeat from counting twice.
        await relays.ApplyReputationAsync(reputation, at).ConfigureAwait(false);
    }

    public async Task<int> RecordStandingAsync(string relayId, string roundId, bool included, DateTimeOffset now, ReputationChange? reputation = null)
    {
        int failures;
        lock (_gate)
        {
            (failures, var last) = _standing.GetValueOrDefault(relayId, (0, ""));
            if (last != roundId)
            {
                failures = included ? 0 : failures + 1;
                _standing[relayId] = (failures, roundId);
            }
        }
        if (reputation is not null)
        {
            await relays.ApplyReputationAsync([reputation], now).ConfigureAwait(false);
        }
        return failures;
    }

    public Task<string?> PrivacyStateAsync(string run) => Task.FromResult(_privacy.GetValueOrDefault(run));

    public Task SavePrivacyStateAsync(string run, string state, DateTimeOffset now)
    {
        _privacy[run] = state;
        return Task.CompletedTask;
    }
}
