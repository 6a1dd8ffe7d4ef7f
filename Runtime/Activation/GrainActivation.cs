using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Runtime.Storage;

namespace OrleansGoRelay.Runtime.Activation;

internal enum ActivationStatus
{
    Activating,
    Valid,
    Invalid,
}

/// <summary>
/// One in-memory instance of a grain on this silo. Turns run one at a time under <see cref="_turn"/>; a call that
/// finds the activation invalid is routed to a fresh one by the runtime.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim needs disposing only once its AvailableWaitHandle is used, which this class never does; activations are collected, not disposed.")]
internal sealed class GrainActivation : IGrainContext
{
    // Starts held: the activation routine owns the first turn, so calls queue behind state loading.
    private readonly SemaphoreSlim _turn = new(0, 1);
    private readonly GrainRuntime _runtime;
    private readonly List<ActivationTimer> _timers = [];
    private readonly List<IActivationState> _states = [];

    // Versions other silos announced for this grain's states, kept from the moment the activation exists: an
    // announcement that arrives while the state is still loading must not be lost (the load may predate the write).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _announced = new(StringComparer.Ordinal);
    private volatile ActivationStatus _status = ActivationStatus.Activating;
    private long _lastActive = Environment.TickCount64;
    private Exception? _failure;
    private bool _deactivateRequested;

    public GrainActivation(GrainRuntime runtime, GrainClassInfo classInfo, GrainId grainId)
    {
        _runtime = runtime;
        ClassInfo = classInfo;
        GrainId = grainId;
    }

    public GrainId GrainId { get; }

    public GrainClassInfo ClassInfo { get; }

    public object? Instance { get; private set; }

    public ActivationStatus Status => _status;

    public long LastActiveTicks => Volatile.Read(ref _lastActive);

    public IGrainFactory GrainFactory => _runtime;

    /// <summary>The newest version this activation has seen of any of its states (for cross-silo invalidation).</summary>
    public long KnownVersion(string stateName) => _states.FirstOrDefault(s => s.StateName == stateName)?.Version ?? 0;

    /// <summary>Records that another silo wrote <paramref name="version"/> of a state; returns whether this (valid) activation is now behind.</summary>
    public bool Announce(string stateName, long version)
    {
        _announced.AddOrUpdate(stateName, version, (_, known) => Math.Max(known, version));
        return _status == ActivationStatus.Valid && KnownVersion(stateName) < version;
    }

    private bool BehindAnnounced(IActivationState state) => _announced.TryGetValue(state.StateName, out var announced) && state.Version < announced;

    public async Task ActivateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            var arguments = new object[ClassInfo.ExplicitArguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                if (ClassInfo.ExplicitArguments[i] is { } state)
                {
                    var persistent = _runtime.CreatePersistentState(GrainId, state);
                    await persistent.ReadStateAsync(cancellationToken).ConfigureAwait(false);
                    // A write elsewhere announced during the read may not be in what was read: read again.
                    while (BehindAnnounced(persistent))
                    {
                        await persistent.ReadStateAsync(cancellationToken).ConfigureAwait(false);
                    }
                    _states.Add(persistent);
                    arguments[i] = persistent;
                }
                else
                {
                    arguments[i] = this;
                }
            }

            var instance = ClassInfo.Factory(services, arguments);
            Instance = instance;
            if (instance is Grain grain)
            {
                grain.Attach(this);
                await grain.OnActivateAsync(cancellationToken).ConfigureAwait(false);
            }

            _status = ActivationStatus.Valid;
        }
        catch (Exception ex)
        {
            _failure = ex;
            _status = ActivationStatus.Invalid;
            _runtime.Logger.LogError(ex, "Activation of grain {GrainId} failed", GrainId);
            _runtime.RemoveActivation(this);
        }
        finally
        {
            _turn.Release();
        }
    }

    public async Task<T> InvokeAsync<T>(GrainMethod<T> method, object?[] args)
    {
        var interleave = method.Interleave || ClassInfo.Reentrant;
        if (!interleave || _status == ActivationStatus.Activating)
        {
            // Even interleaving calls wait for activation to finish loading state.
            await _turn.WaitAsync().ConfigureAwait(false);
            if (interleave)
            {
                _turn.Release();
            }
        }

        try
        {
            ThrowIfNotValid();
            Touch();
            return await method.Invoke(Instance!, args).ConfigureAwait(false);
        }
        catch (InconsistentStateException)
        {
            // In-memory state is now known stale: nobody may use this activation again.
            Invalidate();
            throw;
        }
        finally
        {
            if (!interleave)
            {
                await EndTurnAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a callback (timer tick, reminder) as a turn.</summary>
    public async Task RunTurnAsync(Func<object, Task> work)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            ThrowIfNotValid();
            await work(Instance!).ConfigureAwait(false);
        }
        catch (InconsistentStateException)
        {
            Invalidate();
            throw;
        }
        finally
        {
            await EndTurnAsync().ConfigureAwait(false);
        }
    }

    private async Task EndTurnAsync()
    {
        if (_deactivateRequested && _status == ActivationStatus.Valid)
        {
            await DeactivateWhileHoldingTurnAsync(DeactivationReason.ApplicationRequested).ConfigureAwait(false);
        }

        _turn.Release();
    }

    private void ThrowIfNotValid()
    {
        // A write elsewhere announced after the states were read (while OnActivateAsync ran, say): this activation
        // must not serve the turn; the runtime routes the call to a fresh one.
        if (_status == ActivationStatus.Valid && !_announced.IsEmpty && _states.Any(BehindAnnounced))
        {
            Invalidate();
        }

        if (_status == ActivationStatus.Valid)
        {
            return;
        }

        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }

        throw ActivationInvalidException.Instance;
    }

    private void Touch() => Volatile.Write(ref _lastActive, Environment.TickCount64);

    /// <summary>Deactivates after any running turn: calls OnDeactivateAsync, stops timers and leaves the directory.</summary>
    public async Task DeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_status == ActivationStatus.Valid)
            {
                await DeactivateWhileHoldingTurnAsync(reason).ConfigureAwait(false);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task DeactivateWhileHoldingTurnAsync(DeactivationReason reason)
    {
        _status = ActivationStatus.Invalid;
        StopTimers();
        _runtime.RemoveActivation(this);
        if (Instance is Grain grain && reason != DeactivationReason.StaleState)
        {
            try
            {
                await grain.OnDeactivateAsync(reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _runtime.Logger.LogWarning(ex, "OnDeactivateAsync of grain {GrainId} failed", GrainId);
            }
        }
    }

    /// <summary>Marks the activation unusable at once (lost write race, silo killed); no grain code runs.</summary>
    public void Invalidate()
    {
        _status = ActivationStatus.Invalid;
        StopTimers();
        _runtime.RemoveActivation(this);
    }

    public void DeactivateOnIdle() => _deactivateRequested = true;

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ActivationTimer(this, callback, dueTime, period);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    internal void RemoveTimer(ActivationTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    private void StopTimers()
    {
        ActivationTimer[] timers;
        lock (_timers)
        {
            timers = [.. _timers];
            _timers.Clear();
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }

    public Task RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (Instance is not null and not IRemindable)
        {
            throw new InvalidOperationException($"Grain {GrainId} registers reminder '{reminderName}' but its class does not implement IRemindable.");
        }

        return _runtime.Reminders.UpsertAsync(GrainId, reminderName, dueTime, period, CancellationToken.None);
    }

    public Task UnregisterReminder(string reminderName) =>
        _runtime.Reminders.RemoveAsync(GrainId, reminderName, CancellationToken.None);

    internal ILogger Logger => _runtime.Logger;
}

/// <summary>Thrown inside the runtime when a call reached an activation that is gone; the call is re-routed.</summary>
internal sealed class ActivationInvalidException : Exception
{
    public static readonly ActivationInvalidException Instance = new();

    public ActivationInvalidException() : base("The activation is no longer valid.") { }

    public ActivationInvalidException(string message) : base(message) { }

    public ActivationInvalidException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A grain timer: each tick is a turn; ticks never overlap and stop with the activation.</summary>
internal sealed class ActivationTimer : IDisposable
{
    private readonly GrainActivation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly CancellationTokenSource _stop = new();

    public ActivationTimer(GrainActivation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        _activation = activation;
        _callback = callback;
        _ = RunAsync(dueTime, period);
    }

    private async Task RunAsync(TimeSpan dueTime, TimeSpan period)
    {
        var token = _stop.Token;
        try
        {
            await Task.Delay(dueTime, token).ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await _activation.RunTurnAsync(_ => _callback(token)).ConfigureAwait(false);
                }
                catch (ActivationInvalidException)
                {
                    return;
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    _activation.Logger.LogWarning(ex, "Timer of grain {GrainId} failed", _activation.GrainId);
                }

                if (period <= TimeSpan.Zero || period == Timeout.InfiniteTimeSpan)
                {
                    return;
                }

                await Task.Delay(period, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _activation.RemoveTimer(this);
        }
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }
    }
}
