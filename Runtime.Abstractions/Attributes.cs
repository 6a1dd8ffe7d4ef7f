namespace OrleansGoRelay.Runtime;

/// <summary>Names a grain class's type in storage, reminders and events. Defaults to the class name without a trailing "Grain", in lower case.</summary>
/// <remarks>The name is persisted: renaming a class keeps its data only while this name stays the same.</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The stable grain type name.</summary>
    public string Name { get; } = name;
}

/// <summary>Every method of the grain class may interleave with every other: no turn lock at all.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>This interface method may run while another turn of the same activation is in progress (it must not depend on a consistent view of mutable fields).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>
/// This interface method is safe to re-run from the start: when its state write loses a version race the runtime
/// discards the activation, reloads fresh state and runs the call again (bounded retries). Methods without it
/// surface <see cref="InconsistentStateException"/> to the caller.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RetryOnConflictAttribute : Attribute;

/// <summary>Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/> and names that state.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName) : Attribute
{
    /// <summary>The state name, unique within the grain.</summary>
    public string StateName { get; } = stateName;
}

/// <summary>Gives a persisted state record a stable type name (defaults to the CLR full name).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class StateTypeAttribute(string name) : Attribute
{
    /// <summary>The stable state type name stored beside the JSON.</summary>
    public string Name { get; } = name;
}
