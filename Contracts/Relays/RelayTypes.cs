namespace OrleansGoRelay.Contracts.Relays;

/// <summary>Whether a relay takes sessions in normal operation or is kept for failover first.</summary>
public enum RelayRole
{
    /// <summary>Takes routed sessions.</summary>
    Primary,
    /// <summary>Preferred as a failover target; routed to only when no primary fits.</summary>
    Standby,
}

/// <summary>What a relay registers with (<c>POST /api/v1/relays</c>, signed with the key it registers).</summary>
/// <param name="RelayId">The relay's id (letters, digits, '-', '_', '.'; at most 64).</param>
/// <param name="PublicKey">Its ECDSA P-256 public key, base64 SubjectPublicKeyInfo (DER) or PEM.</param>
/// <param name="Region">Its region (e.g. <c>eu-west</c>), looked up in the region latency matrix.</param>
/// <param name="Latitude">Degrees north.</param>
/// <param name="Longitude">Degrees east.</param>
/// <param name="Capacity">The most player sessions it takes.</param>
/// <param name="BandwidthMbps">Its bandwidth.</param>
/// <param name="FlEnabled">Whether it takes part in federated learning.</param>
/// <param name="Address">Where players connect (a ws:// or wss:// URL).</param>
/// <param name="StakedTokens">Tokens its operator stakes (base units), shown and used to break routing ties.</param>
/// <param name="Role">Primary or standby.</param>
public sealed record RelayRegistration(
    string RelayId, string PublicKey, string Region, double Latitude, double Longitude, int Capacity, double BandwidthMbps,
    bool FlEnabled, string Address, long StakedTokens = 0, RelayRole Role = RelayRole.Primary);

/// <summary>A heartbeat with the relay's load (<c>POST /api/v1/relays/{relayId}/heartbeat</c>, signed).</summary>
/// <param name="Sessions">Player sessions open now.</param>
/// <param name="LatencyMs">The relay's measured round trip to the cluster.</param>
/// <param name="BandwidthMbps">Bandwidth measured now (0 keeps the registered figure).</param>
/// <param name="Circuits">Open circuits (player pairs relayed).</param>
/// <param name="CpuPercent">CPU use of the relay process.</param>
public sealed record RelayHeartbeat(int Sessions, double LatencyMs, double BandwidthMbps, int Circuits, double CpuPercent);

/// <summary>The gateway's answer to a heartbeat.</summary>
/// <param name="Health">The relay's health as the cluster now sees it (<c>healthy</c>, <c>suspect</c>, ...).</param>
/// <param name="HeartbeatIntervalMs">How often the cluster wants heartbeats.</param>
public sealed record HeartbeatReply(string Health, double HeartbeatIntervalMs);
