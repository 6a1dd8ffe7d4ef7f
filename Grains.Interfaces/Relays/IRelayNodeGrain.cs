using OrleansGoRelay.Runtime;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>One relay: its registration, key, heartbeats and health, and the nonces it has used.</summary>
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
}

/// <summary>All relays: the list, routing and failover targets. Any key works; by convention <see cref="Key"/>.</summary>
public interface IRelayDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The conventional key.</summary>
    const string Key = "relays";

    /// <summary>Every registered relay.</summary>
    Task<IReadOnlyList<RelayView>> List();

    /// <summary>The best healthy relay with free capacity for a player; refused with no_relay_available when there is none.</summary>
    Task<RouteDecision> Route(RouteRequest request);
}
