using OrleansGoRelay.Runtime;

namespace OrleansGoRelay.TestSilo;

/// <summary>A counter whose increments are safe to re-run on a write conflict.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one and persists; returns the new value.</summary>
    [RetryOnConflict]
    Task<long> Increment();

    /// <summary>The current value.</summary>
    Task<long> Value();

    /// <summary>Adds one without the retry attribute: a lost race reaches the caller.</summary>
    Task<long> IncrementOnce();

    /// <summary>Reads nothing from storage; for call overhead benchmarks.</summary>
    Task<long> Peek();
}

/// <summary>The counter's stored state.</summary>
public sealed record CounterState
{
    /// <summary>The value.</summary>
    public long Value { get; init; }
}

[GrainType("counter")]
public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<long> Increment()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<long> IncrementOnce() => Increment();

    public Task<long> Value() => Task.FromResult(state.State.Value);

    public Task<long> Peek() => Task.FromResult(state.State.Value);
}

/// <summary>A counter whose activation a test can hold in <c>OnActivateAsync</c>, to write elsewhere meanwhile.</summary>
public interface IHeldActivationCounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one and persists; returns the new value.</summary>
    [RetryOnConflict]
    Task<long> Increment();

    /// <summary>The current value.</summary>
    Task<long> Value();
}

/// <summary>Holds each activation until the test opens the grain's gate (<see cref="Gates"/>).</summary>
public sealed class HeldActivationCounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, IHeldActivationCounterGrain
{
    /// <summary>Per grain key: completed when activations may finish; absent means no hold.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Gates.TryGetValue(GetPrimaryKeyString(), out var gate))
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
    }

    public async Task<long> Increment()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<long> Value() => Task.FromResult(state.State.Value);
}

/// <summary>An append-only journal: each acknowledged append must survive a crash.</summary>
public interface IJournalGrain : IGrainWithStringKey
{
    /// <summary>Appends an entry and returns once it is durable.</summary>
    [RetryOnConflict]
    Task Append(long entry);

    /// <summary>All entries.</summary>
    Task<long[]> Read();
}

/// <summary>The journal's stored state.</summary>
public sealed record JournalState
{
    /// <summary>The entries in append order.</summary>
    public List<long> Entries { get; init; } = [];
}

[GrainType("journal")]
public sealed class JournalGrain([PersistentState("journal")] IPersistentState<JournalState> state) : Grain, IJournalGrain
{
    public async Task Append(long entry)
    {
        if (state.State.Entries.Contains(entry))
        {
            return; // a client retry of an append whose acknowledgement was lost
        }

        state.State.Entries.Add(entry);
        await state.WriteStateAsync();
    }

    public Task<long[]> Read() => Task.FromResult(state.State.Entries.ToArray());
}

/// <summary>Counts reminder ticks durably.</summary>
public interface ITickerGrain : IGrainWithStringKey
{
    /// <summary>Registers the "tick" reminder with the given period.</summary>
    Task Start(TimeSpan period);

    /// <summary>Removes the reminder.</summary>
    Task Cancel();

    /// <summary>Ticks received so far, with the silo that received each.</summary>
    Task<TickerState> Ticks();
}

/// <summary>The ticker's stored state.</summary>
public sealed record TickerState
{
    /// <summary>Ticks received.</summary>
    public int Count { get; init; }

    /// <summary>Due times of the ticks, for once-per-period checks.</summary>
    public List<DateTimeOffset> DueTimes { get; init; } = [];
}

[GrainType("ticker")]
public sealed class TickerGrain([PersistentState("ticks")] IPersistentState<TickerState> state) : Grain, ITickerGrain, IRemindable
{
    public Task Start(TimeSpan period) => GrainContext.RegisterOrUpdateReminder("tick", period, period);

    public Task Cancel() => GrainContext.UnregisterReminder("tick");

    public Task<TickerState> Ticks() => Task.FromResult(state.State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State = state.State with { Count = state.State.Count + 1, DueTimes = [.. state.State.DueTimes, status.CurrentTickTime] };
        await state.WriteStateAsync();
    }
}

/// <summary>Measures how many of its calls overlap.</summary>
public interface IProbeGrain : IGrainWithIntegerKey
{
    /// <summary>A turn that awaits; returns how many calls were inside the grain at its start.</summary>
    Task<int> Work(int delayMs);

    /// <summary>The same, allowed to interleave.</summary>
    [AlwaysInterleave]
    Task<int> WorkInterleaved(int delayMs);

    /// <summary>The most calls ever inside at once.</summary>
    Task<int> MaxConcurrency();

    /// <summary>Calls since activation, and how many activations have run.</summary>
    Task<(int Calls, int Activations, int Deactivations)> Lifecycle();

    /// <summary>Starts a timer that counts ticks (each tick a turn).</summary>
    Task StartTimer(int periodMs);

    /// <summary>Timer ticks so far, and whether any tick overlapped a call.</summary>
    Task<(int Ticks, bool Overlapped)> TimerTicks();

    /// <summary>Asks to be deactivated after this turn.</summary>
    Task Deactivate();
}

[GrainType("probe")]
public sealed class ProbeGrain(ProbeLog log) : Grain, IProbeGrain
{
    private int _inside;
    private int _max;
    private int _calls;
    private int _ticks;
    private bool _overlapped;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        log.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        log.Deactivated();
        return Task.CompletedTask;
    }

    public Task<int> Work(int delayMs) => Measure(delayMs);

    public Task<int> WorkInterleaved(int delayMs) => Measure(delayMs);

    private async Task<int> Measure(int delayMs)
    {
        var inside = Interlocked.Increment(ref _inside);
        _calls++;
        _max = Math.Max(_max, inside);
        await Task.Delay(delayMs);
        await Task.Yield();
        Interlocked.Decrement(ref _inside);
        return inside;
    }

    public Task<int> MaxConcurrency() => Task.FromResult(_max);

    public Task<(int Calls, int Activations, int Deactivations)> Lifecycle() => Task.FromResult((_calls, log.Activations, log.Deactivations));

    public Task StartTimer(int periodMs)
    {
        GrainContext.RegisterTimer(async cancellationToken =>
        {
            if (Interlocked.Increment(ref _inside) > 1)
            {
                _overlapped = true;
            }

            _ticks++;
            await Task.Delay(5, cancellationToken);
            Interlocked.Decrement(ref _inside);
        }, TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(periodMs));
        return Task.CompletedTask;
    }

    public Task<(int Ticks, bool Overlapped)> TimerTicks() => Task.FromResult((_ticks, _overlapped));

    public Task Deactivate()
    {
        GrainContext.DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Counts probe activations across the silo (a DI singleton injected into grains).</summary>
public sealed class ProbeLog
{
    private int _activations;
    private int _deactivations;

    /// <summary>Activations so far.</summary>
    public int Activations => Volatile.Read(ref _activations);

    /// <summary>Deactivations so far.</summary>
    public int Deactivations => Volatile.Read(ref _deactivations);

    /// <summary>Counts an activation.</summary>
    public void Activated() => Interlocked.Increment(ref _activations);

    /// <summary>Counts a deactivation.</summary>
    public void Deactivated() => Interlocked.Increment(ref _deactivations);
}

/// <summary>A singleton that records which silo runs it, for failover tests.</summary>
public sealed class HolderRecorder(IGrainFactory grains, SiloIdentity silo) : IClusterSingleton
{
    public string Name => "holder-recorder";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var holder = grains.GetGrain<ISingletonHolderGrain>("holder");
        while (!cancellationToken.IsCancellationRequested)
        {
            await holder.Beat(silo.SiloId);
            await Task.Delay(200, cancellationToken);
        }
    }
}

/// <summary>Where the singleton records its holder.</summary>
public interface ISingletonHolderGrain : IGrainWithStringKey
{
    /// <summary>Records a beat from the holder.</summary>
    [RetryOnConflict]
    Task Beat(string siloId);

    /// <summary>Every silo that has held the singleton, in order, with its first beat.</summary>
    Task<List<HolderChange>> History();
}

/// <summary>A change of the singleton's holder.</summary>
public sealed record HolderChange(string SiloId, DateTimeOffset At);

/// <summary>The holder log.</summary>
public sealed record HolderState
{
    /// <summary>Holder changes in order.</summary>
    public List<HolderChange> Changes { get; init; } = [];
}

[GrainType("singleton-holder")]
public sealed class SingletonHolderGrain([PersistentState("holders")] IPersistentState<HolderState> state) : Grain, ISingletonHolderGrain
{
    public async Task Beat(string siloId)
    {
        if (state.State.Changes.Count == 0 || state.State.Changes[^1].SiloId != siloId)
        {
            state.State.Changes.Add(new HolderChange(siloId, DateTimeOffset.UtcNow));
            await state.WriteStateAsync();
        }
    }

    public Task<List<HolderChange>> History() => Task.FromResult(state.State.Changes);
}
