namespace OrleansGoRelay.Runtime;

/// <summary>
/// One named piece of a grain's durable state. Reads happen at activation; every write is a compare-and-swap on
/// <see cref="Version"/>, and a write that loses the race throws <see cref="InconsistentStateException"/>.
/// </summary>
/// <typeparam name="TState">A JSON-serialisable record.</typeparam>
public interface IPersistentState<TState> where TState : class, new()
{
    /// <summary>The in-memory state; replace or mutate it, then call <see cref="WriteStateAsync"/>.</summary>
    TState State { get; set; }

    /// <summary>The version this activation last read or wrote; 0 when no record exists.</summary>
    long Version { get; }

    /// <summary>Whether a stored record exists (false before the first write and after a clear).</summary>
    bool RecordExists { get; }

    /// <summary>Reloads the state from storage.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the state; returns when it is durable.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Clears the stored state (a versioned tombstone, so stale writers still conflict).</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
