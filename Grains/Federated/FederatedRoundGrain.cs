using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// One federated round. Its state is its log: each accepted message (and each decision to close a stage) is written to
/// <c>fl.round_messages</c> before it is acknowledged, and an activation rebuilds the <see cref="RoundProtocol"/>,
/// secure-aggregation server included, by replaying that log, so after SIGKILL of its silo the round continues on a
/// survivor with every accepted submission and its deadlines unchanged. Once the last stage closes it aggregates,
/// registers the candidate, lets the gate judge it, and settles (<see cref="RoundSettlement"/>); each of those steps is
/// idempotent, so a crash in the middle is finished by the next activation.
/// </summary>
[GrainType("fl-round")]
public sealed partial class FederatedRoundGrain(
    IFederatedStore store, ModelRegistry registry, RoundSettlement settlement, IRelayStore relays, IStampStore stamps,
    IClusterEventLog events, ILocalSiloDetails silo, TimeProvider clock, ILogger<FederatedRoundGrain> logger) : Grain, IFederatedRoundGrain, IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);
    private StoredRound? _round;
    private RoundProtocol? _protocol;
    private NetConfig? _config;
    private float[]? _global;
    private IGrainTimer? _timer;

    private string RoundId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _round = await store.GetRoundAsync(RoundId);
        if (_round is not null && !RoundStages.IsFinished(_round.Stage))
        {
            await LoadAsync(await store.MessagesAsync(RoundId));
        }
    }

    public void Dispose()
    {
        _protocol?.Dispose();
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    public async Task<RoundStart> Begin(RoundStart start, RoundSetup setup)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(setup);
        if (_round is not null)
        {
            return _round.Start;
        }
        var round = new StoredRound(RoundId, setup.Number, start, setup, RoundStages.Ready, null, start.StartedAt, null);
        if (!await store.CreateRoundAsync(round))
        {
            throw RequestRefusedException.Conflict("round_exists", $"Round '{RoundId}' exists.");
        }
        _round = round;
        await LoadAsync([]);
        await events.AppendAsync(ClusterEventType.RoundStarted, RoundId,
            new RoundStarted(RoundId, start.ModelVersion, start.Participants, start.SecureAggregation, start.Privacy is not null, start.Deadline), "round_started:" + RoundId);
        return start;
    }

    public async Task<RoundView?> View()
    {
        if (_round is null)
        {
            return null;
        }
        var outcome = _round.Outcome;
        if (outcome is not null || _protocol is null)
        {
            return new RoundView(_round.Start, _round.Stage, _round.FinishedAt ?? _round.CreatedAt, outcome?.Participants ?? [],
                outcome?.Participants.Count(p => p.Stages.Contains(RoundStages.Masking) || p.Stages.Contains(RoundStages.Training)) ?? 0,
                outcome?.Result, outcome?.EpsilonSpent, outcome?.FailureReason, _round.FinishedAt,
                outcome?.StageSeconds ?? new Dictionary<string, double>(), outcome?.BytesReceived ?? 0, outcome?.ServerSeconds, outcome?.Settlement, silo.SiloAddress.ToParsableString());
        }
        var p = _protocol;
        var participants = p.Participants();
        return new RoundView(_round.Start, p.Stage, p.StageDeadline, participants,
            participants.Count(v => v.Stages.Contains(RoundStages.Masking) || v.Stages.Contains(RoundStages.Training)), null,
            await PrivacyEpsilonAsync(), p.FailureReason, null, p.StageSeconds, p.BytesReceived, p.ServerSeconds, null, silo.SiloAddress.ToParsableString());
    }

    public Task<RoundTask> TaskFor(string relayId)
    {
        var round = RequireRound();
        if (_protocol is null)
        {
            var included = round.Outcome?.Participants.Any(p => p.RelayId == relayId) == true;
            return Task.FromResult(new RoundTask(RoundId, round.Stage, included, false, null, null, null, null, null, null, round.FinishedAt ?? round.CreatedAt));
        }
        return Task.FromResult(_protocol.TaskFor(relayId));
    }

    public async Task<StageReceipt> Receive(string relayId, string kind, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        RequireRound();
        if (_protocol is null || RoundStages.IsFinished(_protocol.Stage) || _protocol.Stage == RoundStages.Aggregating)
        {
            throw RequestRefusedException.Conflict("round_closed", $"Round '{RoundId}' takes no more messages (stage {_round!.Stage}).");
        }
        if (kind == RoundMessageKinds.Ready)
        {
            await RequireStampAccessAsync(relayId, body);
        }
        var message = new RoundMessage(_protocol.Sequence + 1, kind, relayId, body, clock.GetUtcNow());
        StageReceipt receipt;
        try
        {
            receipt = _protocol.Apply(message);
        }
        catch (RoundMessageRefusedException e)
        {
            throw e.Conflict ? RequestRefusedException.Conflict(e.Code, e.Message) : RequestRefusedException.Unprocessable(e.Code, e.Message);
        }
        await PersistAsync(message);
        if (kind is RoundMessageKinds.Masked or RoundMessageKinds.Update)
        {
            await events.AppendAsync(ClusterEventType.GradientReceived, RoundId,
                new GradientReceived(RoundId, relayId, receipt.Stage, body.Length, receipt.Received, receipt.Expected), $"gradient_received:{RoundId}:{relayId}");
        }
        if (_protocol.StageComplete)
        {
            // The stage closes now; a round's aggregation runs on the next timer turn, so this relay's answer does not wait for it.
            await AdvanceAsync(aggregate: false);
        }
        return receipt;
    }

    public async Task<string> Advance()
    {
        if (_round is null)
        {
            return RoundStages.Failed;
        }
        await AdvanceAsync();
        return _round.Stage;
    }

    public Task<ModelUpdate?> Outcome() => Task.FromResult(_round?.Outcome?.Result);

    /// <summary>Closes stages that are due, then aggregates and settles once the last one closed.</summary>
    private async Task AdvanceAsync(bool aggregate = true)
    {
        while (_protocol is { } p && !RoundStages.IsFinished(p.Stage) && p.Stage != RoundStages.Aggregating
            && (p.StageComplete || clock.GetUtcNow() >= p.StageDeadline))
        {
            var close = new RoundMessage(p.Sequence + 1, RoundMessageKinds.Close, "", [], clock.GetUtcNow());
            await PersistAsync(close);
            p.Apply(close);
            LogStage(logger, RoundId, p.Stage, p.Received, p.Expected);
        }
        if (aggregate && _protocol is { } protocol && (protocol.Stage == RoundStages.Aggregating || RoundStages.IsFinished(protocol.Stage)))
        {
            await FinishAsync(protocol);
        }
    }

    private async Task FinishAsync(RoundProtocol protocol)
    {
        var round = _round!;
        if (protocol.Stage == RoundStages.Aggregating)
        {
            await store.UpdateRoundAsync(RoundId, RoundStages.Aggregating, null, null);
        }
        var outcome = await settlement.FinishAsync(round, protocol, _config!, _global!);
        var stage = outcome.Result.ModelVersion is null ? RoundStages.Failed : RoundStages.Completed;
        var finishedAt = clock.GetUtcNow();
        await store.UpdateRoundAsync(RoundId, stage, outcome, finishedAt);
        _round = round with { Stage = stage, Outcome = outcome, FinishedAt = finishedAt };
        _protocol = null;
        protocol.Dispose();
        _timer?.Dispose();
        _timer = null;
        LogFinished(logger, RoundId, stage, outcome.Result.ParticipantCount, outcome.Result.ModelVersion ?? "none", outcome.Result.Promoted);
        await GrainFactory.GetGrain<IRoundSchedulerGrain>(ISingletonGrain.Key).RoundFinished(RoundId);
    }

    /// <summary>Builds the protocol from the round's start and replays its log (signatures were checked before each was written).</summary>
    private async Task LoadAsync(IReadOnlyList<RoundMessage> log)
    {
        var round = _round!;
        var (config, weights) = await registry.LoadAsync(round.Start.ModelVersion);
        _config = config;
        _global = weights;
        foreach (var (relayId, key) in await RoundReplay.KeysAsync(relays, round.Start.Participants))
        {
            _keys[relayId] = key;
        }
        _protocol = RoundReplay.Protocol(round, config, _keys);
        foreach (var message in log)
        {
            _protocol.Apply(message, verify: false);
        }
        if (log.Count > 0)
        {
            LogResumed(logger, RoundId, log.Count, _protocol.Stage);
        }
        // While the round is open it keeps itself moving; the scheduler's tick reactivates it after a crash.
        _timer = this.RegisterGrainTimer(_ => AdvanceAsync(), new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500)) { KeepAlive = true });
    }

    /// <summary>Writes a message to the log; if that fails the activation's protocol is ahead of the log, so it is dropped and rebuilt by the next call.</summary>
    private async Task PersistAsync(RoundMessage message)
    {
        try
        {
            await store.AppendMessageAsync(RoundId, message);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task RequireStampAccessAsync(string relayId, byte[] body)
    {
        PeerReady? ready;
        try
        {
            ready = System.Text.Json.JsonSerializer.Deserialize<PeerReady>(body, System.Text.Json.JsonSerializerOptions.Web);
        }
        catch (System.Text.Json.JsonException)
        {
            return; // the protocol refuses it with the position of the error
        }
        if (ready?.GameIds is not { Count: > 0 } ids)
        {
            return;
        }
        if (ids.Count > StampMarketGrain.MaxItems || ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            throw RequestRefusedException.BadRequest("invalid_game_ids", $"gameIds names 1 to {StampMarketGrain.MaxItems} distinct stamped games.");
        }
        var found = await stamps.GetAsync([.. ids]);
        var usable = found.Where(s => s.Status == StampStatus.Active && s.AccessRelays.Contains(relayId)).Select(s => s.StampId).ToHashSet(StringComparer.Ordinal);
        if (ids.FirstOrDefault(id => !usable.Contains(id)) is { } missing)
        {
            throw RequestRefusedException.Forbidden("stamp_not_accessible", $"Relay '{relayId}' may not train on game '{missing}': it is not an active stamp the relay may use.");
        }
    }

    /// <summary>ε spent before this round, read from the accountant's saved state at the budget's δ.</summary>
    private async Task<double?> PrivacyEpsilonAsync() =>
        _round?.Start.Privacy is not { } privacy ? null
        : await PrivacyRuns.BeforeAsync(store, RoundId) is { } state ? Learning.Federated.Privacy.RdpAccountant.FromState(state.Accountant).Epsilon(privacy.Delta)
        : 0;

    private StoredRound RequireRound() =>
        _round ?? throw RequestRefusedException.NotFound("unknown_round", $"There is no round '{RoundId}'.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId} now at {Stage} ({Received} of {Expected} answered)")]
    private static partial void LogStage(ILogger logger, string roundId, string stage, int received, int expected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId} resumed from {Messages} logged messages at stage {Stage}")]
    private static partial void LogResumed(ILogger logger, string roundId, int messages, string stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId} {Stage}: {Participants} participants, version {Version}, promoted {Promoted}")]
    private static partial void LogFinished(ILogger logger, string roundId, string stage, int participants, string version, bool promoted);
}
