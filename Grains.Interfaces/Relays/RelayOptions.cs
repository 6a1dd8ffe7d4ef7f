namespace OrleansGoRelay.Grains.Relays;

/// <summary>Relay health and routing settings (configuration section <c>Relays</c>).</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Relays";

    /// <summary>How often relays are told to beat (1 s).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A relay whose last heartbeat is older is suspect: no new sessions (3 s).</summary>
    public TimeSpan SuspectAfter { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A relay whose last heartbeat is older is dead and its sessions move (5 s).</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the health monitor looks (200 ms).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a probe of a suspect relay may take before it counts as failed (500 ms).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Deaths within <see cref="QuarantineWindow"/> that quarantine a relay (3).</summary>
    public int QuarantineFailures { get; set; } = 3;

    /// <summary>The window failures are counted in (10 min).</summary>
    public TimeSpan QuarantineWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a quarantine lasts (10 min).</summary>
    public TimeSpan QuarantineDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Round-trip milliseconds between regions, keyed <c>"from|to"</c> (either order); added to the great-circle
    /// estimate when both the player's and the relay's regions are known. Defaults sketch the public cloud.
    /// </summary>
    public Dictionary<string, double> RegionLatencyMs { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["eu-west|eu-central"] = 15,
        ["eu-west|us-east"] = 75,
        ["eu-central|us-east"] = 90,
        ["us-east|us-west"] = 65,
        ["eu-west|us-west"] = 140,
        ["eu-central|us-west"] = 150,
        ["us-west|ap-northeast"] = 105,
        ["eu-west|ap-northeast"] = 220,
        ["eu-central|ap-northeast"] = 230,
        ["us-east|ap-northeast"] = 160,
    };

    /// <summary>The matrix figure between two regions: 0 for the same region or when either is unknown.</summary>
    public double RegionLatency(string? from, string? to)
    {
        if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to) || string.Equals(from, to, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
        return RegionLatencyMs.TryGetValue(from + "|" + to, out var ms) || RegionLatencyMs.TryGetValue(to + "|" + from, out ms) ? ms : 0;
    }
}
