namespace OrleansGoRelay.Runtime.Hosting;

/// <summary>Settings of a silo's grain runtime (configuration section <c>GrainRuntime</c>). Defaults are the documented ones.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string Section = "GrainRuntime";

    /// <summary>The silo's name; on Kubernetes the pod name. A random suffix makes each process start a distinct silo.</summary>
    public string SiloName { get; set; } = Environment.MachineName;

    /// <summary>The address other parts of the cluster reach this silo at (the pod IP on Kubernetes).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>How often a silo writes its heartbeat and looks for dead silos.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo whose last heartbeat is older than this is declared dead.</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo tries to take singletons it does not run and checks the ones it does.</summary>
    public TimeSpan SingletonPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a silo looks for due reminders.</summary>
    public TimeSpan ReminderPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed reminder tick is reserved for its silo before another may deliver it.</summary>
    public TimeSpan ReminderLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An activation idle for this long is deactivated.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many times a <see cref="RetryOnConflictAttribute"/> call is re-run after losing a write race.</summary>
    public int ConflictRetries { get; set; } = 20;

    /// <summary>Whether this silo applies the database migrations at start (under an advisory lock, so many silos may).</summary>
    public bool ApplyMigrations { get; set; } = true;
}
