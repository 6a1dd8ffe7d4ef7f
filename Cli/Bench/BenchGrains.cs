using OrleansGoRelay.Runtime;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>The grain the runtime benchmark calls.</summary>
public interface IBenchGrain : IGrainWithIntegerKey
{
    /// <summary>Returns the in-memory value: a call with no storage access.</summary>
    Task<long> Peek();

    /// <summary>Adds one and persists it.</summary>
    [RetryOnConflict]
    Task<long> Increment();
}

/// <summary>The benchmark grain's state.</summary>
public sealed record BenchState
{
    /// <summary>The value.</summary>
    public long Value { get; init; }
}

[GrainType("bench")]
public sealed class BenchGrain([PersistentState("bench")] IPersistentState<BenchState> state) : Grain, IBenchGrain
{
    public Task<long> Peek() => Task.FromResult(state.State.Value);

    public async Task<long> Increment()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }
}
