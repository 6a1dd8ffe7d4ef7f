namespace OrleansGoRelay.Persistence.GrainStorage;

/// <summary>
/// A stored grain state cannot be turned back into its state type (JSON of another shape, or a JSON <c>null</c>).
/// The activation that tried to load it fails; the silo carries on and nothing is written over the row.
/// </summary>
/// <remarks>
/// Derives from <see cref="OrleansException"/> so that Orleans' storage bridge passes it on unwrapped: the caller of the
/// grain catches this type, not a generic <see cref="OrleansException"/> around it. Serialised by Orleans (message,
/// inner exception, grain and state name) so it crosses silos and reaches clients.
/// </remarks>
[GenerateSerializer]
[Alias("OrleansGoRelay.Persistence.GrainStateCorruptedException")]
public sealed class GrainStateCorruptedException : OrleansException
{
    public GrainStateCorruptedException()
        : base("A stored grain state cannot be read.")
    {
    }

    public GrainStateCorruptedException(string message)
        : base(message)
    {
    }

    public GrainStateCorruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GrainStateCorruptedException(GrainId grainId, string stateName, string reason, Exception? innerException = null)
        : base($"Stored state '{stateName}' of grain {grainId} cannot be read: {reason}", innerException!)
    {
        GrainId = grainId;
        StateName = stateName;
    }

    /// <summary>The grain whose state is unreadable.</summary>
    [Id(0)]
    public GrainId GrainId { get; private set; }

    /// <summary>The name of the unreadable state.</summary>
    [Id(1)]
    public string StateName { get; private set; } = "";
}
