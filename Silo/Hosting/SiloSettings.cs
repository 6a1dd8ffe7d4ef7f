namespace OrleansGoRelay.Silo.Hosting;

/// <summary>Where this silo is and which cluster it joins (configuration section <c>Orleans</c>, env <c>Orleans__SiloPort</c>).</summary>
public sealed class SiloSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Orleans";

    /// <summary>The cluster (deployment) this silo joins; silos of one cluster share the membership table rows of it.</summary>
    public string ClusterId { get; set; } = "gorelay";

    /// <summary>The service; stays the same across deployments so reminders and state keep their owner.</summary>
    public string ServiceId { get; set; } = "gorelay";

    /// <summary>The silo's name in membership and logs (default: the machine name).</summary>
    public string? SiloName { get; set; }

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one at (default 127.0.0.1; in Kubernetes the pod IP, set by the hosting package).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Whether the silo applies the schema migrations at start, under their advisory lock (default true).</summary>
    public bool ApplyMigrations { get; set; } = true;
}
