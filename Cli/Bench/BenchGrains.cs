namespace OrleansGoRelay.Cli.Bench;

/// <summary>The grain the runtime benchmark calls (its state in the default storage, the group-commit writer).</summary>
[Alias("gorelay.bench.IBenchGrain")]
public interface IBenchGrain : IGrainWithIntegerKey
{
    /// <summary>Returns the in-memory value: a call with no storage access.</summary>
    Task<long> Peek();

    /// <summary>Adds one and persists it.</summary>
    Task<long> Increment();
}

/// <summary>The same grain with its state in Orleans' ADO.NET provider, for comparison.</summary>
[Alias("gorelay.bench.IAdoNetBenchGrain")]
public interface IAdoNetBenchGrain : IGrainWithIntegerKey
{
    /// <summary>Adds one and persists it.</summary>
    Task<long> Increment();
}

/// <summary>The benchmark grains' state.</summary>
[GenerateSerializer, Alias("gorelay.bench.BenchState")]
public sealed record BenchState
{
    /// <summary>The value.</summary>
    [Id(0)]
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

[GrainType("bench-adonet")]
public sealed class AdoNetBenchGrain([PersistentState("bench-adonet", RuntimeBenchmark.AdoNetStorage)] IPersistentState<BenchState> state) : Grain, IAdoNetBenchGrain
{
    public async Task<long> Increment()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }
}

/// <summary>Calls bench grains from inside the silo, grain to grain: the path grains themselves use.</summary>
[Alias("gorelay.bench.IBenchDriverGrain")]
public interface IBenchDriverGrain : IGrainWithIntegerKey
{
    /// <summary>Keeps <paramref name="inFlight"/> calls to <see cref="IBenchGrain.Peek"/> outstanding over <paramref name="grains"/> grains until <paramref name="until"/>; returns the calls completed.</summary>
    Task<long> Drive(int grains, int inFlight, DateTime until);
}

/// <summary>One driver per key; the benchmark starts one per core so the drivers' own turns are not the limit.</summary>
[GrainType("bench-driver")]
public sealed class BenchDriverGrain : Grain, IBenchDriverGrain
{
    public async Task<long> Drive(int grains, int inFlight, DateTime until)
    {
        var calls = 0L;
        var offset = (int)this.GetPrimaryKeyLong() * 7919;
        // inFlight loops, each a call at a time; their continuations share this activation's turn, one at a time.
        async Task LoopAsync(int loop)
        {
            var target = GrainFactory.GetGrain<IBenchGrain>((offset + loop) % grains);
            while (DateTime.UtcNow < until)
            {
                await target.Peek();
                calls++;
            }
        }
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(LoopAsync));
        return calls;
    }
}
