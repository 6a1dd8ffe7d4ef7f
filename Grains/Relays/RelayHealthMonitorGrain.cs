using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Grains.Events;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// The failover coordinator, a cluster singleton grain. Every sweep it ages each relay's last heartbeat (suspect after
/// <see cref="RelayOptions.SuspectAfter"/>, dead after <see cref="RelayOptions.DeadAfter"/>) and probes suspect
/// relays, so a relay whose process died (its uplink closed, its port refuses) is declared dead at once instead of
/// after the heartbeat timeout. A dead relay's live sessions move: standby relays first, then by the routing rules,
/// and each game tells both players where to reconnect. A third death within the window quarantines the relay.
/// </summary>
[GrainType("relay-health-monitor")]
public sealed partial class RelayHealthMonitorGrain(
    IRelayStore store, IClusterEventLog events, IOptions<RelayOptions> options, TimeProvider clock, ILocalSiloDetails silo, ILogger<RelayHealthMonitorGrain> logger)
    : Grain, IRelayHealthMonitorGrain
{
    private static readonly TimeSpan NoncePruneInterval = TimeSpan.FromSeconds(10);

    /// <summary>Shared by every monitor activation; each probe bounds its own time. Never disposed, so a late probe during shutdown cannot hit a disposed client.</summary>
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = Timeout.InfiniteTimeSpan };

    private DateTimeOffset _lastPrune;
    private DateTimeOffset _activatedAt;
    private DateTimeOffset? _lastSweepAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastPrune = clock.GetUtcNow();
        _activatedAt = TimeProvider.System.GetUtcNow();
        // A turn of its own every interval; KeepAlive so idle collection never stops the coordinator.
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(options.Value.SweepInterval, options.Value.SweepInterval) { KeepAlive = true });
        LogStarted(logger, silo.SiloAddress.ToParsableString());
        return Task.CompletedTask;
    }

    public Task EnsureRunning() => Task.CompletedTask;

    public Task<SingletonStatus> Status() => Task.FromResult(new SingletonStatus("relay-health-monitor", silo.SiloAddress.ToParsableString(), _activatedAt, _lastSweepAt));

    public Task RelaySuspected(string relayId) => TickAsync(CancellationToken.None);

    public Task<IReadOnlyList<string>> Sweep() => SweepAsync(CancellationToken.None);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SweepAsync(cancellationToken);
            _lastSweepAt = TimeProvider.System.GetUtcNow();
            if (clock.GetUtcNow() - _lastPrune > NoncePruneInterval)
            {
                _lastPrune = clock.GetUtcNow();
                await store.PruneNoncesAsync(_lastPrune);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSweepFailed(logger, e);
        }
    }

    /// <summary>One look at every relay; returns the relays declared dead.</summary>
    private async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var relays = await store.ListAsync();
        var now = clock.GetUtcNow();
        var probes = relays.Where(r => r.Health == RelayHealth.Suspect).ToDictionary(r => r.RelayId, r => ProbeAsync(r, cancellationToken));
        var died = new List<string>();
        foreach (var relay in relays)
        {
            var silentFor = now - (relay.LastHeartbeatAt ?? relay.RegisteredAt);
            var next = relay.Health switch
            {
                RelayHealth.Healthy or RelayHealth.Suspect when silentFor > settings.DeadAfter => RelayHealth.Dead,
                RelayHealth.Suspect when !await probes[relay.RelayId] => RelayHealth.Dead,
                RelayHealth.Healthy when silentFor > settings.SuspectAfter => RelayHealth.Suspect,
                _ => relay.Health,
            };
            if (next == relay.Health)
            {
                continue;
            }
            if (next != RelayHealth.Dead)
            {
                await store.TransitionAsync(relay, next, relay.Failures, relay.QuarantinedUntil, now);
                continue;
            }
            var failures = relay.Failures.Where(f => now - f <= settings.QuarantineWindow).Append(now).ToList();
            var quarantined = failures.Count >= settings.QuarantineFailures;
            var reason = quarantined ? "quarantined" : silentFor > settings.DeadAfter ? "silent" : "probe_failed";
            if (await RemoveAsync(relay, quarantined, failures, reason, now, cancellationToken))
            {
                LogRelayDead(logger, relay.RelayId, silentFor.TotalMilliseconds, quarantined);
                died.Add(relay.RelayId);
            }
        }
        return died;
    }

    public async Task<bool> Quarantine(string relayId, string reason)
    {
        var relay = await store.GetAsync(relayId);
        if (relay is null || relay.Health == RelayHealth.Quarantined)
        {
            return false;
        }
        var now = clock.GetUtcNow();
        var failures = relay.Failures.Where(f => now - f <= options.Value.QuarantineWindow).Append(now).ToList();
        if (!await RemoveAsync(relay, quarantined: true, failures, reason, now, CancellationToken.None))
        {
            return false;
        }
        LogRelayQuarantined(logger, relayId, reason);
        return true;
    }

    /// <summary>
    /// The one way a relay leaves the federation, dead or quarantined (three deaths in the window, or three failed
    /// rounds): its health moves if nobody changed it meanwhile, the departure is logged, and its live sessions move.
    /// </summary>
    private async Task<bool> RemoveAsync(RelayView relay, bool quarantined, List<DateTimeOffset> failures, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var health = quarantined ? RelayHealth.Quarantined : RelayHealth.Dead;
        // A quarantine costs reputation in the same write that moves the health (once: the move happens once).
        if (!await store.TransitionAsync(relay, health, failures, quarantined ? now + options.Value.QuarantineDuration : relay.QuarantinedUntil, now,
            quarantined ? ReputationRules.ForQuarantine(relay.RelayId, now, reason) : null))
        {
            return false;
        }
        await events.AppendAsync(ClusterEventType.NodeLeft, relay.RelayId, NodeChanges.Of(relay with { Health = health }, reason), cancellationToken: cancellationToken);
        await FailoverAsync(relay, now);
        return true;
    }

    /// <summary>Moves every live session off a dead relay, 16 games at a time.</summary>
    private async Task FailoverAsync(RelayView dead, DateTimeOffset declaredAt)
    {
        var started = Stopwatch.GetTimestamp();
        var games = await store.GamesOnAsync(dead.RelayId);
        var relays = (await store.ListAsync()).ToList();
        var moved = 0;
        var targets = new Dictionary<string, int>(StringComparer.Ordinal);
        // Players' own locations are not kept; the dead relay's location stands in for them (they had chosen it as nearest).
        var from = new RouteRequest("failover", dead.Registration.Latitude, dead.Registration.Longitude, Go.Analysis.GameClass.Standard, dead.Registration.Region);
        using var slots = new SemaphoreSlim(16);
        // Every continuation runs on this activation's scheduler, one at a time, so the shared list needs no lock.
        await Task.WhenAll(games.Select(async gameId =>
        {
            await slots.WaitAsync();
            try
            {
                if (RelayRouter.Choose(relays, from, options.Value, declaredAt, failover: true, exclude: dead.RelayId) is not { } choice)
                {
                    LogNoTarget(logger, gameId, dead.RelayId);
                    return;
                }
                var index = relays.FindIndex(r => r.RelayId == choice.Relay.RelayId);
                relays[index] = relays[index] with { Sessions = relays[index].Sessions + 2 };
                var players = await GrainFactory.GetGrain<IRelayNodeGrain>(choice.Relay.RelayId).AdoptGame(gameId, dead.RelayId);
                moved += players.Count;
                targets[choice.Relay.RelayId] = targets.GetValueOrDefault(choice.Relay.RelayId) + 1;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogGameFailoverFailed(logger, e, gameId);
            }
            finally
            {
                slots.Release();
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started);
        RelayMetrics.FailoverDuration.Record(elapsed.TotalSeconds);
        RelayMetrics.SessionsMoved.Add(moved);
        LogFailover(logger, dead.RelayId, games.Count, moved, elapsed.TotalMilliseconds);
        if (games.Count > 0)
        {
            await events.AppendAsync(ClusterEventType.RelayFailover, dead.RelayId,
                new RelayFailover(dead.RelayId, games.Count, moved, targets, Math.Round(elapsed.TotalMilliseconds, 1)),
                dedupeKey: $"relay_failover:{dead.RelayId}:{declaredAt.ToUnixTimeMilliseconds()}");
        }
    }

    /// <summary>Whether a relay answers its health endpoint within the probe timeout.</summary>
    private async Task<bool> ProbeAsync(RelayView relay, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(relay.Registration.Address, UriKind.Absolute, out var address))
        {
            return false;
        }
        var builder = new UriBuilder(address) { Scheme = address.Scheme is "wss" or "https" ? "https" : "http", Path = "/health", Query = "" };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ProbeTimeout);
        try
        {
            using var response = await Probe.GetAsync(builder.Uri, timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover coordinator running on {Silo}")]
    private static partial void LogStarted(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay health sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay {RelayId} quarantined: {Reason}")]
    private static partial void LogRelayQuarantined(ILogger logger, string relayId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay {RelayId} declared dead after {SilentMs:F0} ms without a heartbeat (quarantined: {Quarantined})")]
    private static partial void LogRelayDead(ILogger logger, string relayId, double silentMs, bool quarantined);

    [LoggerMessage(Level = LogLevel.Error, Message = "No relay can take game {GameId} off dead relay {RelayId}")]
    private static partial void LogNoTarget(ILogger logger, string gameId, string relayId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover of game {GameId} failed")]
    private static partial void LogGameFailoverFailed(ILogger logger, Exception exception, string gameId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover of relay {RelayId}: {Games} games, {Players} sessions moved in {Ms:F0} ms")]
    private static partial void LogFailover(ILogger logger, string relayId, int games, int players, double ms);
}
