using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>Relays in process memory, with the same rules as <see cref="PostgresRelayStore"/>. For in-process clusters and tests.</summary>
public sealed class InMemoryRelayStore : IRelayStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, RelayView> _relays = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Relay, string Nonce), DateTimeOffset> _nonces = [];
    private readonly Dictionary<(string Game, string Player), string> _sessions = [];
    private readonly HashSet<string> _reputationEvents = new(StringComparer.Ordinal);

    public Task<RelayView?> GetAsync(string relayId)
    {
        lock (_lock)
        {
            return Task.FromResult(_relays.GetValueOrDefault(relayId));
        }
    }

    public Task<IReadOnlyList<RelayView>> ListAsync()
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<RelayView>>([.. _relays.Values]);
        }
    }

    public Task<RelayView> UpsertRegistrationAsync(RelayRegistration registration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(registration);
        lock (_lock)
        {
            var view = _relays.TryGetValue(registration.RelayId, out var existing)
                ? existing with { Registration = registration }
                : new RelayView(registration, RelayHealth.Healthy, 0, 0, 0, 0, ReputationRules.Initial, [], now, null, now, null);
            _relays[registration.RelayId] = view;
            return Task.FromResult(view);
        }
    }

    public Task<RelayView?> HeartbeatAsync(string relayId, RelayHeartbeat heartbeat, Func<RelayView, RelayHealth> healthAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(healthAfter);
        lock (_lock)
        {
            if (!_relays.TryGetValue(relayId, out var view))
            {
                return Task.FromResult<RelayView?>(null);
            }
            var health = healthAfter(view);
            view = view with
            {
                Sessions = heartbeat.Sessions,
                Circuits = heartbeat.Circuits,
                LatencyMs = heartbeat.LatencyMs,
                CpuPercent = heartbeat.CpuPercent,
                Registration = heartbeat.BandwidthMbps > 0 ? view.Registration with { BandwidthMbps = heartbeat.BandwidthMbps } : view.Registration,
                LastHeartbeatAt = now,
                HealthChangedAt = health == view.Health ? view.HealthChangedAt : now,
                Health = health,
            };
            _relays[relayId] = view;
            return Task.FromResult<RelayView?>(view);
        }
    }

    public Task<bool> TransitionAsync(RelayView observed, RelayHealth health, IReadOnlyList<DateTimeOffset> failures, DateTimeOffset? quarantinedUntil, DateTimeOffset now,
        ReputationChange? reputation = null)
    {
        ArgumentNullException.ThrowIfNull(observed);
        lock (_lock)
        {
            if (!_relays.TryGetValue(observed.RelayId, out var view) || view.Health != observed.Health || view.LastHeartbeatAt != observed.LastHeartbeatAt)
            {
                return Task.FromResult(false);
            }
            _relays[observed.RelayId] = view with { Health = health, Failures = [.. failures], QuarantinedUntil = quarantinedUntil, HealthChangedAt = now };
            if (reputation is not null)
            {
                Apply([reputation]);
            }
            return Task.FromResult(true);
        }
    }

    public Task<int> ApplyReputationAsync(IReadOnlyList<ReputationChange> changes, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_lock)
        {
            return Task.FromResult(Apply(changes));
        }
    }

    /// <summary>The rules of <see cref="ReputationSql"/>: new keys of known relays only, summed per relay, then clamped. Under the lock.</summary>
    private int Apply(IReadOnlyList<ReputationChange> changes)
    {
        var fresh = changes.Where(c => _relays.ContainsKey(c.RelayId) && _reputationEvents.Add(c.EventKey)).ToList();
        foreach (var relay in fresh.GroupBy(c => c.RelayId, StringComparer.Ordinal))
        {
            var view = _relays[relay.Key];
            _relays[relay.Key] = view with { Reputation = ReputationRules.Apply(view.Reputation, relay.Sum(c => c.Delta)) };
        }
        return fresh.Count;
    }

    public Task<bool> ClaimNonceAsync(string relayId, string nonce, DateTimeOffset expiresAt)
    {
        lock (_lock)
        {
            return Task.FromResult(_nonces.TryAdd((relayId, nonce), expiresAt));
        }
    }

    public Task PruneNoncesAsync(DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var key in _nonces.Where(n => n.Value <= now).Select(n => n.Key).ToList())
            {
                _nonces.Remove(key);
            }
            return Task.CompletedTask;
        }
    }

    public Task IndexSessionAsync(string gameId, string playerId, string relayId, DateTimeOffset now)
    {
        lock (_lock)
        {
            _sessions[(gameId, playerId)] = relayId;
            return Task.CompletedTask;
        }
    }

    public Task RemoveSessionsAsync(string gameId)
    {
        lock (_lock)
        {
            foreach (var key in _sessions.Keys.Where(k => k.Game == gameId).ToList())
            {
                _sessions.Remove(key);
            }
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<string>> GamesOnAsync(string relayId)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. _sessions.Where(s => s.Value == relayId).Select(s => s.Key.Game).Distinct().Order(StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, int>> GamesPerRelayAsync()
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyDictionary<string, int>>(_sessions.Select(s => (Relay: s.Value, s.Key.Game)).Distinct()
                .GroupBy(s => s.Relay, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        }
    }
}
