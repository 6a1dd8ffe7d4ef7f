using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// Where relays, their nonces and the relay of every live player session are kept (PostgreSQL schema
/// <c>relays</c>, or memory for in-process clusters).
/// </summary>
public interface IRelayStore
{
    /// <summary>A relay, or null.</summary>
    Task<RelayView?> GetAsync(string relayId);

    /// <summary>Every relay, by id.</summary>
    Task<IReadOnlyList<RelayView>> ListAsync();

    /// <summary>Inserts a relay, or replaces the registration of one (health, load and history are kept).</summary>
    Task<RelayView> UpsertRegistrationAsync(RelayRegistration registration, DateTimeOffset now);

    /// <summary>Records a heartbeat and the health it leads to; null when the relay is unknown.</summary>
    Task<RelayView?> HeartbeatAsync(string relayId, RelayHeartbeat heartbeat, Func<RelayView, RelayHealth> healthAfter, DateTimeOffset now);

    /// <summary>
    /// Moves a relay to another health if it is still as <paramref name="observed"/> saw it (same health and last
    /// heartbeat), so a heartbeat that arrived meanwhile wins. A move to dead appends a failure. A
    /// <paramref name="reputation"/> change (a quarantine's) is applied with the move, atomically, and only if it moved.
    /// </summary>
    Task<bool> TransitionAsync(RelayView observed, RelayHealth health, IReadOnlyList<DateTimeOffset> failures, DateTimeOffset? quarantinedUntil, DateTimeOffset now,
        ReputationChange? reputation = null);

    /// <summary>
    /// Applies reputation changes whose event keys were never applied (<see cref="ReputationRules"/>): a relay's new
    /// changes are summed and the result clamped to 0..100; changes for unknown relays are ignored. Returns how many
    /// changes were new.
    /// </summary>
    Task<int> ApplyReputationAsync(IReadOnlyList<ReputationChange> changes, DateTimeOffset at);

    /// <summary>Claims a nonce; false when the relay used it before.</summary>
    Task<bool> ClaimNonceAsync(string relayId, string nonce, DateTimeOffset expiresAt);

    /// <summary>Forgets nonces whose timestamps can no longer pass the clock-skew check.</summary>
    Task PruneNoncesAsync(DateTimeOffset now);

    /// <summary>Records that a player's session in a game is on a relay (before the game grain records it).</summary>
    Task IndexSessionAsync(string gameId, string playerId, string relayId, DateTimeOffset now);

    /// <summary>Forgets a finished game's sessions.</summary>
    Task RemoveSessionsAsync(string gameId);

    /// <summary>The games with a session on a relay.</summary>
    Task<IReadOnlyList<string>> GamesOnAsync(string relayId);

    /// <summary>How many live games have a session on each relay (relays without any are absent).</summary>
    Task<IReadOnlyDictionary<string, int>> GamesPerRelayAsync();
}
