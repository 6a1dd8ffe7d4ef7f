namespace OrleansGoRelay.Runtime.Storage;

/// <summary>A state row as stored: its type name, its JSON (null for a cleared state) and its version.</summary>
public sealed record StoredState(string StateType, string? Json, long Version);

/// <summary>A compare-and-swap write: applies only if the stored version still equals <see cref="ExpectedVersion"/> (0: no row yet).</summary>
public sealed record StateWrite(GrainId GrainId, string StateName, string StateType, string? Json, long ExpectedVersion);

/// <summary>A committed state change, announced to other silos so they drop stale activations.</summary>
public sealed record GrainStateChange(GrainId GrainId, string StateName, long Version, string OriginSiloId);

/// <summary>
/// Durable grain state. Every write is a compare-and-swap on the version; a lost race throws
/// <see cref="InconsistentStateException"/>. A write returns only after it is durable.
/// </summary>
public interface IGrainStorage
{
    /// <summary>Reads a state row, or null when there is none.</summary>
    Task<StoredState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken);

    /// <summary>Writes if the version matches and returns the new version.</summary>
    Task<long> WriteAsync(StateWrite write, CancellationToken cancellationToken);
}

/// <summary>The part of a persistent state the activation needs without knowing its type.</summary>
internal interface IActivationState
{
    string StateName { get; }

    long Version { get; }

    Task ReadStateAsync(CancellationToken cancellationToken);
}
