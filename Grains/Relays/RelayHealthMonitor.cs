using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Runtime;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// The failover coordinator, a cluster singleton. Every sweep it ages each relay's last heartbeat (suspect after
/// <see cref="RelayOptions.SuspectAfter"/>, dead after <see cref="RelayOptions.DeadAfter"/>) and probes suspect
/// relays, so a relay whose process died (its uplink closed, its port refuses) is declared dead at once instead of
/// after the heartbeat timeout. A dead relay's live sessions move: standby relays first, then by the routing rules,
/// and each game tells both players where to reconnect. A third death within the window quarantines the relay.
/// </summary>
public sealed partial class RelayHealthMonitor(
    IRelayStore store, IGrainFactory grains, IClusterEvents events, IOptions<RelayOptions> options, TimeProvider clock, ILogger<RelayHealthMonitor> logger)
    : IClusterSingleton
{
    private static readonly TimeSpan NoncePruneInterval = TimeSpan.FromSeconds(10);

    /// <summary>Shared by every monitor instance; each probe bounds its own time. Never disposed, so a late probe during shutdown cannot hit a disposed client.</summary>
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Wakes the loop early when a relay turns suspect (nothing to dispose: a wait on it ends with the loop's token).</summary>
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public string Name => "relay-health-monitor";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var subscription = events.Subscribe(RelayNodeGrain.SuspectTopic, _ =>
        {
            _wake.Writer.TryWrite(true);
            return Task.CompletedTask;
        });
        var lastPrune = clock.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(cancellationToken).ConfigureAwait(false);
                if (clock.GetUtcNow() - lastPrune > NoncePruneInterval)
                {
                    lastPrune = clock.GetUtcNow();
                    await store.PruneNoncesAsync(lastPrune).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }
            using var nap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            nap.CancelAfter(options.Value.SweepInterval);
            try
            {
                await _wake.Reader.WaitToReadAsync(nap.Token).ConfigureAwait(false);
                _wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The sweep interval passed without a wake-up.
            }
        }
    }

    /// <summary>One look at every relay; returns the relays declared dead.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var relays = await store.ListAsync().ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var probes = relays.Where(r => r.Health == RelayHealth.Suspect).ToDictionary(r => r.RelayId, r => ProbeAsync(r, cancellationToken));
        var died = new List<string>();
        foreach (var relay in relays)
        {
            var silentFor = now - (relay.LastHeartbeatAt ?? relay.RegisteredAt);
            var next = relay.Health switch
            {
                RelayHealth.Healthy or RelayHealth.Suspect when silentFor > settings.DeadAfter => RelayHealth.Dead,
                RelayHealth.Suspect when !await probes[relay.RelayId].ConfigureAwait(false) => RelayHealth.Dead,
                RelayHealth.Healthy when silentFor > settings.SuspectAfter => RelayHealth.Suspect,
                _ => relay.Health,
            };
            if (next == relay.Health)
            {
                continue;
            }
            if (next != RelayHealth.Dead)
            {
                await store.TransitionAsync(relay, next, relay.Failures, relay.QuarantinedUntil, now).ConfigureAwait(false);
                continue;
            }
            var failures = relay.Failures.Where(f => now - f <= settings.QuarantineWindow).Append(now).ToList();
            var quarantined = failures.Count >= settings.QuarantineFailures;
            if (await store.TransitionAsync(relay, quarantined ? RelayHealth.Quarantined : RelayHealth.Dead, failures,
                    quarantined ? now + settings.QuarantineDuration : relay.QuarantinedUntil, now).ConfigureAwait(false))
            {
                LogRelayDead(logger, relay.RelayId, silentFor.TotalMilliseconds, quarantined);
                died.Add(relay.RelayId);
                await FailoverAsync(relay, now).ConfigureAwait(false);
            }
        }
        return died;
    }

    /// <summary>Moves every live session off a dead relay.</summary>
    private async Task FailoverAsync(RelayView dead, DateTimeOffset declaredAt)
    {
        var started = Stopwatch.GetTimestamp();
        var games = await store.GamesOnAsync(dead.RelayId).ConfigureAwait(false);
        var relays = (await store.ListAsync().ConfigureAwait(false)).ToList();
        var moved = 0;
        // Players' own locations are not kept; the dead relay's location stands in for them (they had chosen it as nearest).
        var from = new RouteRequest("failover", dead.Registration.Latitude, dead.Registration.Longitude, Go.Analysis.GameClass.Standard, dead.Registration.Region);
        await Parallel.ForEachAsync(games, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (gameId, _) =>
        {
            string? target;
            lock (relays)
            {
                var choice = RelayRouter.Choose(relays, from, options.Value, declaredAt, failover: true, exclude: dead.RelayId);
                target = choice?.Relay.RelayId;
                if (choice is { } c)
                {
                    var index = relays.FindIndex(r => r.RelayId == c.Relay.RelayId);
                    relays[index] = relays[index] with { Sessions = relays[index].Sessions + 2 };
                }
            }
            if (target is null)
            {
                LogNoTarget(logger, gameId, dead.RelayId);
                return;
            }
            try
            {
                var players = await grains.GetGrain<IGameGrain>(gameId).Failover(dead.RelayId, target).ConfigureAwait(false);
                Interlocked.Add(ref moved, players.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogGameFailoverFailed(logger, e, gameId);
            }
        }).ConfigureAwait(false);
        RelayMetrics.FailoverDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        RelayMetrics.SessionsMoved.Add(moved);
        LogFailover(logger, dead.RelayId, games.Count, moved, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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
            using var response = await Probe.GetAsync(builder.Uri, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay health sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay {RelayId} declared dead after {SilentMs:F0} ms without a heartbeat (quarantined: {Quarantined})")]
    private static partial void LogRelayDead(ILogger logger, string relayId, double silentMs, bool quarantined);

    [LoggerMessage(Level = LogLevel.Error, Message = "No relay can take game {GameId} off dead relay {RelayId}")]
    private static partial void LogNoTarget(ILogger logger, string gameId, string relayId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover of game {GameId} failed")]
    private static partial void LogGameFailoverFailed(ILogger logger, Exception exception, string gameId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover of relay {RelayId}: {Games} games, {Players} sessions moved in {Ms:F0} ms")]
    private static partial void LogFailover(ILogger logger, string relayId, int games, int players, double ms);
}
