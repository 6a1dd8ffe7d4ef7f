using System.Reflection;

namespace OrleansGoRelay.Runtime.Activation;

/// <summary>
/// The reference a caller holds: a generated implementation of the grain interface whose every call goes through
/// the runtime. It remembers the activation it last reached so a call to a cached activation skips the directory.
/// </summary>
public class GrainProxy : DispatchProxy
{
    internal GrainRuntime Runtime { get; private set; } = null!;

    internal GrainInterfaceInfo Info { get; private set; } = null!;

    internal GrainId GrainId { get; private set; }

    internal GrainActivation? CachedActivation { get; set; }

    internal void Initialize(GrainRuntime runtime, GrainInterfaceInfo info, GrainId grainId)
    {
        Runtime = runtime;
        Info = info;
        GrainId = grainId;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return Info.Methods.TryGetValue(targetMethod, out var method)
            ? method.Dispatch(this, args ?? [])
            : throw new InvalidOperationException($"{targetMethod.Name} is not a grain method of {Info.Interface.Name}.");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Info.Interface.Name}:{GrainId}";
}
