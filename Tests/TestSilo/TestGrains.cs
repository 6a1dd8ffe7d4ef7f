using OrleansGoRelay.Grains;

namespace OrleansGoRelay.TestSilo;

/// <summary>A counter whose increments are safe to re-run on a write conflict.</summary>
[Alias("gorelay.test.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one and persists; returns the new value.</summary>
    [RetryOnConflict]
    Task<long> Increment();

    /// <summary>The current value.</summary>
    Task<long> Value();

    /// <summary>The silo this activation runs on.</summary>
    Task<string> Silo();
}

/// <summary>The counter's stored state.</summary>
[Alias("gorelay.test.CounterState")]
public sealed record CounterState
{
    /// <summary>The value.</summary>
    public long Value { get; init; }
}

[GrainType("counter")]
public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state, ILocalSiloDetails silo) : Grain, ICounterGrain, IReloadableGrain
{
    public async Task<long> Increment()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<long> Value() => Task.FromResult(state.State.Value);

    public Task<string> Silo() => Task.FromResult(silo.SiloAddress.ToParsableString());

    public Task ReloadStateAsync() => state.ReadStateAsync();
}

/// <summary>An append-only journal: each acknowledged append must survive a crash.</summary>
[Alias("gorelay.test.IJournalGrain")]
public interface IJournalGrain : IGrainWithStringKey
{
    /// <summary>Appends an entry and returns once it is durable.</summary>
    [RetryOnConflict]
    Task Append(long entry);

    /// <summary>All entries.</summary>
    Task<long[]> Read();
}

/// <summary>The journal's stored state.</summary>
[Alias("gorelay.test.JournalState")]
public sealed record JournalState
{
    /// <summary>The entries in append order.</summary>
    public List<long> Entries { get; init; } = [];
}

[GrainType("journal")]
public sealed class JournalGrain([PersistentState("journal")] IPersistentState<JournalState> state) : Grain, IJournalGrain, IReloadableGrain
{
    public async Task Append(long entry)
    {
        if (state.State.Entries.Contains(entry))
        {
            return; // a client retry of an append whose acknowledgement was lost
        }

        state.State.Entries.Add(entry);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Entries.Remove(entry);
            throw;
        }
    }

    public Task<long[]> Read() => Task.FromResult(state.State.Entries.ToArray());

    public Task ReloadStateAsync() => state.ReadStateAsync();
}

/// <summary>Counts reminder ticks durably.</summary>
[Alias("gorelay.test.ITickerGrain")]
public interface ITickerGrain : IGrainWithStringKey
{
    /// <summary>Registers the "tick" reminder with the given period.</summary>
    Task Start(TimeSpan period);

    /// <summary>Ticks received so far.</summary>
    Task<TickerState> Ticks();
}

/// <summary>The ticker's stored state.</summary>
[GenerateSerializer, Alias("gorelay.test.TickerState")]
public sealed record TickerState
{
    /// <summary>Ticks received.</summary>
    [Id(0)]
    public int Count { get; init; }

    /// <summary>When each tick arrived.</summary>
    [Id(1)]
    public List<DateTimeOffset> ReceivedAt { get; init; } = [];
}

[GrainType("ticker")]
public sealed class TickerGrain([PersistentState("ticks")] IPersistentState<TickerState> state) : Grain, ITickerGrain, IRemindable
{
    public Task Start(TimeSpan period) => this.RegisterOrUpdateReminder("tick", period, period);

    public Task<TickerState> Ticks() => Task.FromResult(state.State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State = state.State with { Count = state.State.Count + 1, ReceivedAt = [.. state.State.ReceivedAt, DateTimeOffset.UtcNow] };
        await state.WriteStateAsync();
    }
}
