namespace OrleansGoRelay.Runtime;

/// <summary>What the runtime offers an activation: its identity, other grains, timers, reminders and deactivation.</summary>
public interface IGrainContext
{
    /// <summary>The identity of this grain.</summary>
    GrainId GrainId { get; }

    /// <summary>References to other grains.</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>Deactivates this activation after the current turn.</summary>
    void DeactivateOnIdle();

    /// <summary>
    /// Starts a timer whose callback runs as a turn of this activation (never overlapping another turn). Timers live
    /// only as long as the activation and do not keep it from idle collection; dispose the result to stop it.
    /// </summary>
    IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period);

    /// <summary>Registers or updates a durable reminder; the grain class must implement <see cref="IRemindable"/>.</summary>
    Task RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period);

    /// <summary>Removes a durable reminder; no-op when there is none.</summary>
    Task UnregisterReminder(string reminderName);
}

/// <summary>Base class of grain implementations; the runtime attaches the context before activation.</summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The runtime context of this activation.</summary>
    protected IGrainContext GrainContext => _context ?? throw new InvalidOperationException("The grain is not attached to an activation.");

    /// <summary>References to other grains.</summary>
    protected IGrainFactory GrainFactory => GrainContext.GrainFactory;

    /// <summary>This grain's identity.</summary>
    protected GrainId GrainId => GrainContext.GrainId;

    /// <summary>The grain's string key.</summary>
    protected string GetPrimaryKeyString() => GrainId.Key;

    /// <summary>The grain's Guid key.</summary>
    protected Guid GetPrimaryKey() => Guid.ParseExact(GrainId.Key, "N");

    /// <summary>The grain's integer key.</summary>
    protected long GetPrimaryKeyLong() => long.Parse(GrainId.Key, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Called after state is loaded and before the first call; runs as a turn.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called when the activation is collected or the silo stops; runs as a turn. Not called after a crash.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    internal void Attach(IGrainContext context) => _context = context;
}

/// <summary>Why an activation ends.</summary>
public enum DeactivationReason
{
    /// <summary>Idle for longer than the collection age.</summary>
    IdleCollection,
    /// <summary>The grain asked for it.</summary>
    ApplicationRequested,
    /// <summary>Another silo wrote newer state, or this activation lost a write race.</summary>
    StaleState,
    /// <summary>The silo is shutting down.</summary>
    ShuttingDown,
}
