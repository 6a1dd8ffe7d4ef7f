namespace OrleansGoRelay.Runtime;

/// <summary>A state write lost a version race: another activation wrote first.</summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(GrainId grainId, string stateName, long expectedVersion)
        : base($"State '{stateName}' of grain {grainId} changed since version {expectedVersion} was read; the write was rejected.")
    {
        GrainId = grainId;
        StateName = stateName;
        ExpectedVersion = expectedVersion;
    }

    public InconsistentStateException() { }

    public InconsistentStateException(string message) : base(message) { }

    public InconsistentStateException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The grain whose write was rejected.</summary>
    public GrainId GrainId { get; }

    /// <summary>The state that was written.</summary>
    public string StateName { get; } = "";

    /// <summary>The version the writer expected to replace.</summary>
    public long ExpectedVersion { get; }
}

/// <summary>A stored state row cannot be read as this grain's state (corrupted JSON, or a row of another type).</summary>
public sealed class GrainStateCorruptedException : Exception
{
    public GrainStateCorruptedException(GrainId grainId, string stateName, string reason, Exception? innerException = null)
        : base($"Stored state '{stateName}' of grain {grainId} cannot be read: {reason}", innerException)
    {
        GrainId = grainId;
        StateName = stateName;
    }

    public GrainStateCorruptedException() { }

    public GrainStateCorruptedException(string message) : base(message) { }

    public GrainStateCorruptedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The grain whose state is unreadable.</summary>
    public GrainId GrainId { get; }

    /// <summary>The state that is unreadable.</summary>
    public string StateName { get; } = "";
}

/// <summary>The silo is shutting down or was declared dead and takes no new calls.</summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException() : base("The silo is not accepting grain calls.") { }

    public SiloUnavailableException(string message) : base(message) { }

    public SiloUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
