namespace OrleansGoRelay.Grains;

/// <summary>
/// Marks a grain method that is safe to run again from freshly read state: when its state write loses an ETag race
/// (<c>Orleans.Storage.InconsistentStateException</c>, e.g. while two activations briefly coexist after a silo was
/// declared dead), the silo's conflict filter re-reads the grain's state and runs the call again, a bounded number of
/// times. Only idempotent commands carry it (moves by number, ratings by game); other methods answer the conflict as a
/// <c>concurrent_update</c> problem.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RetryOnConflictAttribute : Attribute;

/// <summary>A grain whose state can be re-read in place, so <see cref="RetryOnConflictAttribute"/> methods can run again on fresh state.</summary>
public interface IReloadableGrain
{
    /// <summary>Re-reads every persisted state of the grain and rebuilds what is derived from it.</summary>
    Task ReloadStateAsync();
}
