using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Runtime.Hosting;

namespace OrleansGoRelay.Runtime.Singletons;

/// <summary>
/// Runs each registered <see cref="IClusterSingleton"/> on the one silo holding its lock. Every poll interval it
/// tries the locks it lacks and checks that the locks it holds still are held; when they are not, its singletons
/// are cancelled at once, since another silo may already be running them.
/// </summary>
public sealed partial class SingletonHost(
    IEnumerable<IClusterSingleton> singletons,
    ISingletonLocks locks,
    IOptions<GrainRuntimeOptions> options,
    ILogger<SingletonHost> logger)
{
    private readonly Dictionary<string, Running> _running = [];
    private readonly IClusterSingleton[] _singletons = [.. singletons];

    /// <summary>The singletons this silo runs now.</summary>
    public IReadOnlyList<string> Held
    {
        get
        {
            lock (_running)
            {
                return [.. _running.Keys];
            }
        }
    }

    internal Task RunAsync(CancellationToken stop) =>
        _singletons.Length == 0
            ? Task.CompletedTask
            : PeriodicLoop.RunAsync(options.Value.SingletonPollInterval, tickAtStart: true, async token =>
            {
                await TickAsync(token).ConfigureAwait(false);
                return true;
            }, LogTickFailed, stop);

    private async Task TickAsync(CancellationToken stop)
    {
        if (Held.Count > 0 && !await locks.StillHeldAsync(stop).ConfigureAwait(false))
        {
            LogLocksLost();
            await CancelAllAsync(release: false).ConfigureAwait(false);
        }

        foreach (var singleton in _singletons)
        {
            Running? finished = null;
            lock (_running)
            {
                if (_running.TryGetValue(singleton.Name, out var running))
                {
                    if (!running.Task.IsCompleted)
                    {
                        continue;
                    }

                    finished = running;
                    _running.Remove(singleton.Name);
                }
            }

            if (finished is not null)
            {
                // A singleton that returned or failed gives its lock back; some silo (maybe this one) restarts it next tick.
                await locks.ReleaseAsync(singleton.Name, stop).ConfigureAwait(false);
                continue;
            }

            if (await locks.TryAcquireAsync(singleton.Name, stop).ConfigureAwait(false))
            {
                LogAcquired(singleton.Name);
                var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var task = Task.Run(() => RunSingletonAsync(singleton, cancellation.Token), CancellationToken.None);
                lock (_running)
                {
                    _running[singleton.Name] = new Running(task, cancellation);
                }
            }
        }
    }

    private async Task RunSingletonAsync(IClusterSingleton singleton, CancellationToken cancellationToken)
    {
        try
        {
            await singleton.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogSingletonFailed(ex, singleton.Name);
        }
    }

    /// <summary>Stops every singleton this silo runs; with <paramref name="release"/> their locks are given back for another silo.</summary>
    internal async Task CancelAllAsync(bool release)
    {
        List<KeyValuePair<string, Running>> running;
        lock (_running)
        {
            running = [.. _running];
            _running.Clear();
        }

        foreach (var (_, entry) in running)
        {
            await entry.Cancellation.CancelAsync().ConfigureAwait(false);
        }

        foreach (var (name, entry) in running)
        {
            await entry.Task.ConfigureAwait(false);
            entry.Cancellation.Dispose();
            if (release)
            {
                try
                {
                    await locks.ReleaseAsync(name, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogReleaseFailed(ex, name);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This silo now runs cluster singleton {Name}")]
    private partial void LogAcquired(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Singleton locks were lost; stopping this silo's singletons")]
    private partial void LogLocksLost();

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster singleton {Name} failed")]
    private partial void LogSingletonFailed(Exception ex, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release singleton lock {Name}")]
    private partial void LogReleaseFailed(Exception ex, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Singleton poll failed")]
    private partial void LogTickFailed(Exception ex);

    private sealed record Running(Task Task, CancellationTokenSource Cancellation);
}
