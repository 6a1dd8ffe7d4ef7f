using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;


namespace OrleansGoRelay.Grains.Relays;

/// <summary>One relay: its registration, key, heartbeats and health, and the nonces it has used.</summary>
[Alias("gorelay.IRelayNodeGrain")]
public interface IRelayNodeGrain : IGrainWithStringKey
{
    /// <summary>Registers the relay, or updates a registration made with the same key.</summary>
    Task<RelayView> Register(RelayRegistration registration);

    /// <summary>The relay, or null when it never registered.</summary>
    Task<RelayView?> GetRelay();

    /// <summary>Records a heartbeat with load metrics; a suspect or dead relay that beats again is healthy (dead ones count as a failure).</summary>
    Task<RelayView> Heartbeat(RelayHeartbeat heartbeat);

    /// <summary>Claims a request nonce; false when it was already used (a replay).</summary>
    Task<bool> ClaimNonce(string nonce, DateTimeOffset expiresAt);

    /// <summary>Reports that the relay's uplink to a silo closed: the relay is suspect until it beats again.</summary>
    Task ReportUplinkLost();

    /// <summary>
    /// A player connected to this relay for a game: indexes the session (so a failover of this relay finds it) and
    /// then records the assignment with the game. Idempotent.
    /// </summary>
    Task<RelayAssignment> OpenSession(string gameId, string player);

    /// <summary>
    /// Takes over a game's sessions from a dead relay (the failover coordinator's choice): indexes them here first,
    /// then moves them in the game. Returns the players moved.
    /// </summary>
    Task<IReadOnlyList<string>> AdoptGame(string gameId, string deadRelayId);

    /// <summary>The game ended: its sessions leave the index.</summary>
    [OneWay]
    Task ForgetGame(string gameId);
}

/// <summary>
/// The failover coordinator: a cluster singleton (well-known key <see cref="ISingletonGrain.Key"/>) that ages relays'
/// heartbeats, probes suspects and moves a dead relay's games.
/// </summary>
[Alias("gorelay.IRelayHealthMonitorGrain")]
public interface IRelayHealthMonitorGrain : ISingletonGrain
{
    /// <summary>A relay turned suspect (its uplink dropped): sweep now instead of at the next tick.</summary>
    [OneWay]
    Task RelaySuspected(string relayId);

    /// <summary>One sweep now; returns the relays it declared dead.</summary>
    Task<IReadOnlyList<string>> Sweep();

    /// <summary>Quarantines a relay now (it failed three federated rounds), the same way three deaths do; false when it already is or is unknown.</summary>
    /// <param name="relayId">The relay.</param>
    /// <param name="reason">Why, for the node_left event.</param>
    Task<bool> Quarantine(string relayId, string reason);
}

/// <summary>All relays: the list, routing and failover targets. Any key works; by convention <see cref="Key"/>.</summary>
[Alias("gorelay.IRelayDirectoryGrain")]
public interface IRelayDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The conventional key.</summary>
    const string Key = "relays";

    /// <summary>Every registered relay.</summary>
    Task<IReadOnlyList<RelayView>> List();

    /// <summary>How many live games have a player session on each relay (the dashboard's games by relay).</summary>
    Task<IReadOnlyDictionary<string, int>> GamesPerRelay();

    /// <summary>The best healthy relay with free capacity for a player; refused with no_relay_available when there is none.</summary>
    Task<RouteDecision> Route(RouteRequest request);
}
