using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.RelayAgent;

/// <summary>The relay agent's settings (configuration section <c>Relay</c>).</summary>
public sealed class RelayAgentOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Relay";

    /// <summary>This relay's id.</summary>
    public string RelayId { get; set; } = "";

    /// <summary>Gateway base URLs; the agent moves to the next when one stops answering.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>Where players connect (ws://host:port); defaults to the first listening URL.</summary>
    public string? PublicAddress { get; set; }

    /// <summary>The private key (PKCS#8 PEM); created on first start when missing.</summary>
    public string KeyFile { get; set; } = "relay-key.pem";

    /// <summary>Region for the region latency matrix.</summary>
    public string Region { get; set; } = "local";

    /// <summary>Degrees north.</summary>
    public double Latitude { get; set; }

    /// <summary>Degrees east.</summary>
    public double Longitude { get; set; }

    /// <summary>Bandwidth registered.</summary>
    public double BandwidthMbps { get; set; } = 100;

    /// <summary>Whether the relay trains in federated learning rounds.</summary>
    public bool FlEnabled { get; set; }

    /// <summary><c>primary</c> or <c>standby</c>.</summary>
    public string Role { get; set; } = "primary";

    /// <summary>The <see cref="Role"/> as registered; anything but primary or standby stops the relay.</summary>
    public RelayRole ParseRole() => Role.ToUpperInvariant() switch
    {
        "PRIMARY" => RelayRole.Primary,
        "STANDBY" => RelayRole.Standby,
        _ => throw new InvalidOperationException($"Relay:Role is primary or standby, not '{Role}'."),
    };

    /// <summary>Tokens staked (base units).</summary>
    public long StakedTokens { get; set; }

    /// <summary>Limits in the manner of libp2p circuit relay v2.</summary>
    public RelayLimits Limits { get; set; } = new();

    /// <summary>The federated trainer (on with <see cref="FlEnabled"/>).</summary>
    public FederatedTrainerOptions Fl { get; set; } = new();
}

/// <summary>
/// Resource limits in the manner of libp2p circuit relay v2, sized for game sessions instead of hole punching: a
/// reservation is a player's connection to this relay, a circuit a game relayed for that player.
/// libp2p's defaults are 128 reservations, 16 circuits, 8 reservations per IP, 2 minutes and 128 KiB per circuit;
/// a game lasts longer and carries more, so duration and data are raised and everything is configurable.
/// </summary>
public sealed class RelayLimits
{
    /// <summary>Player connections at once (also the registered capacity): 1024.</summary>
    public int MaxReservations { get; set; } = 1024;

    /// <summary>Games one player may have relayed here at once: 4.</summary>
    public int MaxCircuitsPerPeer { get; set; } = 4;

    /// <summary>Player connections from one IP address: 64.</summary>
    public int MaxReservationsPerIp { get; set; } = 64;

    /// <summary>How long one circuit may stay open: 4 h.</summary>
    public TimeSpan MaxCircuitDuration { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Bytes one circuit may carry both ways: 4 MiB.</summary>
    public long MaxCircuitBytes { get; set; } = 4L << 20;

    /// <summary>The largest message a player may send: 4 KiB.</summary>
    public int MaxMessageBytes { get; set; } = 4096;
}

/// <summary>How the relay takes part in federated rounds.</summary>
public sealed class FederatedTrainerOptions
{
    /// <summary>Where the relay keeps its games and its round state (default: beside its key file, <c>{relayId}-fl</c>).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Base units the relay keeps staked (moved from its wallet once it has them).</summary>
    public long Stake { get; set; } = 100_000_000;

    /// <summary>Whether the relay stamps the consensus games it carried.</summary>
    public bool StampCarriedGames { get; set; } = true;

    /// <summary>
    /// Whether it follows the gateway's batch optimiser: holding consensus games while the advice is to wait for a
    /// batch that earns the HighQualityData subsidy (off: every game is submitted as soon as it is found).
    /// </summary>
    public bool BatchStamps { get; set; } = true;

    /// <summary>The most a consensus game waits for a batch before it is submitted whatever the advice: 2 minutes.</summary>
    public TimeSpan MaxStampWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often it polls the cluster for rounds and games.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Threads local training may use.</summary>
    public int Threads { get; set; } = 1;
}
