using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Runtime.Hosting;
using OrleansGoRelay.Runtime.Reminders;
using OrleansGoRelay.Runtime.Storage;
using Polly;
using Polly.Retry;

namespace OrleansGoRelay.Runtime.Activation;

/// <summary>
/// One silo's grain runtime: hands out grain references, keeps this silo's activations and runs calls on them.
/// Activations are local to the silo that receives a call; two silos may hold activations of one grain, and the
/// version check on every state write (plus invalidation messages) keeps them consistent.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source has no timer or wait handle to free; see Dispose.")]
public sealed partial class GrainRuntime : IGrainFactory, IDisposable
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private readonly GrainTypeRegistry _registry;
    private readonly IGrainStorage _storage;
    private readonly IServiceProvider _services;
    private readonly SiloIdentity _silo;
    private readonly ResiliencePipeline _conflictRetry;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private volatile bool _accepting;

    internal GrainRuntime(
        GrainTypeRegistry registry,
        IGrainStorage storage,
        IReminderTable reminders,
        IServiceProvider services,
        SiloIdentity silo,
        IOptions<GrainRuntimeOptions> options,
        ILogger<GrainRuntime> logger)
    {
        _registry = registry;
        _storage = storage;
        _services = services;
        _silo = silo;
        Reminders = reminders;
        _logger = logger;
        _conflictRetry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<InconsistentStateException>(),
                MaxRetryAttempts = options.Value.ConflictRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(1),
                MaxDelay = TimeSpan.FromMilliseconds(50),
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>How grain state is written as JSON.</summary>
    public JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    internal IReminderTable Reminders { get; }

    internal ILogger Logger => _logger;

    /// <summary>How many activations this silo holds.</summary>
    public int ActivationCount => _activations.Count;

    /// <summary>Whether this silo takes grain calls.</summary>
    public bool IsAccepting => _accepting;

    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey => CreateReference<TGrain>(key);

    public TGrain GetGrain<TGrain>(Guid key) where TGrain : IGrainWithGuidKey => CreateReference<TGrain>(GrainId.KeyOf(key));

    public TGrain GetGrain<TGrain>(long key) where TGrain : IGrainWithIntegerKey => CreateReference<TGrain>(GrainId.KeyOf(key));

    private TGrain CreateReference<TGrain>(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var info = _registry.Interface(typeof(TGrain));
        var proxy = DispatchProxy.Create<TGrain, GrainProxy>();
        ((GrainProxy)(object)proxy!).Initialize(this, info, new GrainId(info.Class.TypeName, key));
        return proxy;
    }

    internal Task<T> InvokeAsync<T>(GrainProxy proxy, GrainMethod<T> method, object?[] args)
    {
        if (!_accepting)
        {
            return Task.FromException<T>(new SiloUnavailableException());
        }

        if (!method.RetryOnConflict)
        {
            return InvokeOnceAsync(proxy, method, args);
        }

        return _conflictRetry.ExecuteAsync(
            static (call, _) => new ValueTask<T>(call.Runtime.InvokeOnceAsync(call.Proxy, call.Method, call.Args)),
            (Runtime: this, Proxy: proxy, Method: method, Args: args)).AsTask();
    }

    private async Task<T> InvokeOnceAsync<T>(GrainProxy proxy, GrainMethod<T> method, object?[] args)
    {
        while (true)
        {
            var activation = proxy.CachedActivation;
            if (activation is null || activation.Status == ActivationStatus.Invalid)
            {
                activation = GetOrActivate(proxy.GrainId, proxy.Info.Class);
                proxy.CachedActivation = activation;
            }

            try
            {
                return await activation.InvokeAsync(method, args).ConfigureAwait(false);
            }
            catch (ActivationInvalidException)
            {
                // Deactivated between lookup and turn: route to a fresh activation.
                proxy.CachedActivation = null;
            }
        }
    }

    internal async Task DeliverReminderAsync(ReminderTick tick)
    {
        if (!_registry.TryGetClass(tick.GrainId.Type, out var grainClass))
        {
            throw new InvalidOperationException($"Reminder '{tick.Name}' names grain type '{tick.GrainId.Type}', which no registered class has.");
        }

        if (!typeof(IRemindable).IsAssignableFrom(grainClass.GrainClass))
        {
            throw new InvalidOperationException($"Grain {tick.GrainId} has reminder '{tick.Name}' but its class does not implement IRemindable.");
        }

        var status = new TickStatus(tick.FirstDueAt, tick.Period, tick.DueAt);
        await _conflictRetry.ExecuteAsync(async _ =>
        {
            while (true)
            {
                var activation = GetOrActivate(tick.GrainId, grainClass);
                try
                {
                    await activation.RunTurnAsync(grain => ((IRemindable)grain).ReceiveReminder(tick.Name, status)).ConfigureAwait(false);
                    return;
                }
                catch (ActivationInvalidException)
                {
                }
            }
        }).ConfigureAwait(false);
    }

    private GrainActivation GetOrActivate(GrainId grainId, GrainClassInfo grainClass)
    {
        if (_activations.TryGetValue(grainId, out var existing))
        {
            return existing;
        }

        if (!_accepting)
        {
            throw new SiloUnavailableException();
        }

        var created = new GrainActivation(this, grainClass, grainId);
        var winner = _activations.GetOrAdd(grainId, created);
        if (ReferenceEquals(winner, created))
        {
            _ = created.ActivateAsync(_services, _stopping.Token);
        }

        return winner;
    }

    internal IActivationState CreatePersistentState(GrainId grainId, PersistentStateParameter state)
    {
        var type = typeof(PersistentState<>).MakeGenericType(state.StateType);
        return (IActivationState)Activator.CreateInstance(type, grainId, state.StateName, _storage, Json)!;
    }

    internal void RemoveActivation(GrainActivation activation) =>
        _activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(activation.GrainId, activation));

    /// <summary>Another silo committed a newer version: drop our activation after its current turn.</summary>
    internal void OnStateChanged(GrainStateChange change)
    {
        if (change.OriginSiloId == _silo.SiloId || !_activations.TryGetValue(change.GrainId, out var activation))
        {
            return;
        }

        // Every announcement is kept, also by an activation still loading its state; only a valid one that is behind leaves now.
        if (activation.Announce(change.StateName, change.Version))
        {
            LogStale(change.GrainId, change.Version);
            _ = activation.DeactivateAsync(DeactivationReason.StaleState);
        }
    }

    /// <summary>Invalidation messages may have been lost: no cached activation can be trusted.</summary>
    internal void DropAllCachedActivations()
    {
        foreach (var activation in _activations.Values)
        {
            _ = activation.DeactivateAsync(DeactivationReason.StaleState);
        }
    }

    internal void StartAccepting() => _accepting = true;

    internal void StopAccepting() => _accepting = false;

    internal async Task CollectIdleAsync(TimeSpan idleFor, CancellationToken cancellationToken)
    {
        var cutoff = Environment.TickCount64 - (long)idleFor.TotalMilliseconds;
        var idle = _activations.Values.Where(a => a.Status == ActivationStatus.Valid && a.LastActiveTicks < cutoff).ToList();
        foreach (var activation in idle)
        {
            await activation.DeactivateAsync(DeactivationReason.IdleCollection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Graceful: each activation finishes its turn, runs OnDeactivateAsync and leaves.</summary>
    internal async Task DeactivateAllAsync(CancellationToken cancellationToken)
    {
        StopAccepting();
        await Task.WhenAll(_activations.Values.Select(a => a.DeactivateAsync(DeactivationReason.ShuttingDown, cancellationToken))).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Abrupt, as a crash: activations vanish without running any grain code.</summary>
    internal void Abort()
    {
        StopAccepting();
        _stopping.Cancel();
        foreach (var activation in _activations.Values)
        {
            activation.Invalidate();
        }
    }

    /// <summary>Ends activation work; the token source is left to the GC because a late host stop may still cancel it.</summary>
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Grain {GrainId} changed to version {Version} on another silo; dropping the local activation")]
    private partial void LogStale(GrainId grainId, long version);
}
