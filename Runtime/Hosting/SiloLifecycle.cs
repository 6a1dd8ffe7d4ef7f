using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGoRelay.Runtime.Activation;
using OrleansGoRelay.Runtime.Events;
using OrleansGoRelay.Runtime.Membership;
using OrleansGoRelay.Runtime.Migrations;
using OrleansGoRelay.Runtime.Reminders;
using OrleansGoRelay.Runtime.Singletons;

namespace OrleansGoRelay.Runtime.Hosting;

/// <summary>
/// Starts and stops a silo in order. Start: migrations, the notification channel, joining the silos table, then
/// calls, heartbeats, singletons, reminders and idle collection. Graceful stop: stop taking calls, stop reminders and
/// singletons (their locks released for another silo), let running turns finish and deactivate every grain, leave
/// the silos table. <see cref="AbortAsync"/> is a crash instead: nothing is cleaned up.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source has no timer or wait handle to free; see Dispose.")]
public sealed partial class SiloLifecycle(
    IServiceProvider services,
    GrainRuntime runtime,
    IClusterTransport transport,
    MembershipService membership,
    SingletonHost singletons,
    ISingletonLocks locks,
    ReminderService reminders,
    SiloIdentity silo,
    IOptions<GrainRuntimeOptions> options,
    ILogger<SiloLifecycle> logger,
    IHostApplicationLifetime? lifetime = null) 
    : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private Task? _singletonLoop;
    private Task? _reminderLoop;

    /// <summary>Whether the silo finished starting and has not begun to stop.</summary>
    public bool IsRunning { get; private set; }

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _startup;

    /// <summary>Completes when the silo has joined the cluster and takes calls.</summary>
    public Task Started => _started.Task;

    /// <summary>Why the silo has not started yet (the last startup error), or null.</summary>
    public string? StartupProblem { get; private set; }

    /// <summary>
    /// Starts in the background and returns at once, so the process serves /health/live (and an honest 503 on
    /// /health/ready) while PostgreSQL is unreachable or its migrations are not applied yet; startup retries until
    /// it succeeds or the host stops.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _startup = Task.Run(() => StartWithRetriesAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StartWithRetriesAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await StartOnceAsync(stop).ConfigureAwait(false);
                StartupProblem = null;
                _started.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                StartupProblem = ex.Message;
                LogStartupFailed(ex);
                await TryAsync(() => transport.StopAsync(CancellationToken.None)).ConfigureAwait(false);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        _started.TrySetCanceled(CancellationToken.None);
    }

    private async Task StartOnceAsync(CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(PostgresSetup)) is PostgresSetup postgres)
        {
            var runner = new MigrationRunner(postgres.DataSource, (ILogger<MigrationRunner>)services.GetService(typeof(ILogger<MigrationRunner>))!);
            if (options.Value.ApplyMigrations)
            {
                await runner.ApplyAsync(postgres.Migrations, cancellationToken).ConfigureAwait(false);
            }
            else if (!await runner.IsUpToDateAsync(postgres.Migrations, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("Waiting for the database migrations to be applied (this silo has ApplyMigrations off).");
            }
        }

        if (!_wired)
        {
            transport.StateChanged += runtime.OnStateChanged;
            transport.MessagesMayHaveBeenLost += runtime.DropAllCachedActivations;
            membership.DeclaredDead += OnDeclaredDead;
            _wired = true;
        }

        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(TimeSpan.FromSeconds(15));
        await transport.StartAsync(connectTimeout.Token).ConfigureAwait(false);
        await membership.JoinAsync(cancellationToken).ConfigureAwait(false);
        runtime.StartAccepting();

        var token = _stop.Token;
        _loops.Add(Task.Run(() => membership.RunAsync(token), CancellationToken.None));
        _singletonLoop = Task.Run(() => singletons.RunAsync(token), CancellationToken.None);
        _reminderLoop = Task.Run(() => reminders.RunAsync(token), CancellationToken.None);
        _loops.Add(Task.Run(() => CollectIdleLoopAsync(token), CancellationToken.None));
        IsRunning = true;
        LogStarted(silo.SiloId, silo.Address);
    }

    private bool _wired;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await AwaitQuietly(_startup).ConfigureAwait(false);
            return;
        }

        IsRunning = false;
        LogStopping(silo.SiloId);
        await TryAsync(() => membership.SetStatusAsync(SiloStatus.ShuttingDown, cancellationToken)).ConfigureAwait(false);
        runtime.StopAccepting();

        // Reminders and singletons first, so none starts a turn while grains deactivate.
        await _stop.CancelAsync().ConfigureAwait(false);
        await AwaitQuietly(_reminderLoop).ConfigureAwait(false);
        await AwaitQuietly(_singletonLoop).ConfigureAwait(false);
        await singletons.CancelAllAsync(release: true).ConfigureAwait(false);

        await runtime.DeactivateAllAsync(cancellationToken).ConfigureAwait(false);
        foreach (var loop in _loops)
        {
            await AwaitQuietly(loop).ConfigureAwait(false);
        }

        await TryAsync(() => membership.SetStatusAsync(SiloStatus.Left, cancellationToken)).ConfigureAwait(false);
        await TryAsync(() => transport.StopAsync(cancellationToken)).ConfigureAwait(false);
        LogStopped(silo.SiloId);
    }

    /// <summary>Stops as a crash would: no grain code runs, no status is written, locks and sessions simply vanish.</summary>
    public async Task AbortAsync()
    {
        IsRunning = false;
        runtime.Abort();
        await _stop.CancelAsync().ConfigureAwait(false);
        await locks.AbandonAsync().ConfigureAwait(false);
        await singletons.CancelAllAsync(release: false).ConfigureAwait(false);
        await TryAsync(() => transport.StopAsync(CancellationToken.None)).ConfigureAwait(false);
        foreach (var loop in _loops.Append(_reminderLoop).Append(_singletonLoop))
        {
            await AwaitQuietly(loop).ConfigureAwait(false);
        }

        if (services.GetService(typeof(PostgresSetup)) is PostgresSetup postgres)
        {
            NpgsqlConnection.ClearPool(postgres.DataSource.CreateConnection());
        }
    }

    private void OnDeclaredDead()
    {
        runtime.Abort();
        _ = singletons.CancelAllAsync(release: false);
        lifetime?.StopApplication();
    }

    private Task CollectIdleLoopAsync(CancellationToken stop) =>
        PeriodicLoop.RunAsync(options.Value.CollectionInterval, tickAtStart: false, async token =>
        {
            await runtime.CollectIdleAsync(options.Value.IdleTimeout, token).ConfigureAwait(false);
            return true;
        }, LogCollectionFailed, stop);

    private static async Task AwaitQuietly(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStepFailed(ex);
        }
    }

    /// <summary>
    /// The container is going away (after StopAsync, or instead of it): end every loop so none keeps using disposed
    /// services. The token source itself is left to the GC, since a late StopAsync may still read it.
    /// </summary>
    public void Dispose() => _stop.Cancel();

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} started at {Address}")]
    private partial void LogStarted(string siloId, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} stopping")]
    private partial void LogStopping(string siloId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} stopped")]
    private partial void LogStopped(string siloId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Silo startup failed; retrying in 2 s")]
    private partial void LogStartupFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idle collection failed")]
    private partial void LogCollectionFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A shutdown step failed")]
    private partial void LogStepFailed(Exception ex);
}
