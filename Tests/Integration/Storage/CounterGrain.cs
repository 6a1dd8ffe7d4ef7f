namespace OrleansGoRelay.Integration.Storage;

/// <summary>A grain whose only state lives in the default grain storage.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<int> Value();

    Task<string?> ETag();
}

/// <summary>Counts in its persistent state "s"; its grain type is "counter".</summary>
public sealed class CounterGrain([PersistentState("s")] IPersistentState<CounterState> counter) : Grain, ICounterGrain
{
    public async Task<int> Increment()
    {
        counter.State = counter.State with { Count = counter.State.Count + 1 };
        await counter.WriteStateAsync();
        return counter.State.Count;
    }

    public Task<int> Value() => Task.FromResult(counter.State.Count);

    public Task<string?> ETag() => Task.FromResult<string?>(counter.Etag);
}
