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
    IHostApplicationLifetime? lifetime = null) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private Task? _singletonLoop;
    private Task? _reminderLoop;

    /// <summary>Whether the silo finished starting and has not begun to stop.</summary>
    public bool IsRunning { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(PostgresSetup)) is PostgresSetup postgres && options.Value.ApplyMigrations)
        {
            var runner = new MigrationRunner(postgres.DataSource, (ILogger<MigrationRunner>)services.GetService(typeof(ILogger<MigrationRunner>))!);
            await runner.ApplyAsync(postgres.Migrations, cancellationToken).ConfigureAwait(false);
        }

        transport.StateChanged += runtime.OnStateChanged;
        transport.MessagesMayHaveBeenLost += runtime.DropAllCachedActivations;
        await transport.StartAsync(cancellationToken).ConfigureAwait(false);
        await membership.JoinAsync(cancellationToken).ConfigureAwait(false);
        membership.DeclaredDead += OnDeclaredDead;
        runtime.StartAccepting();

        var token = _stop.Token;
        _loops.Add(Task.Run(() => membership.RunAsync(token), CancellationToken.None));
        _singletonLoop = Task.Run(() => singletons.RunAsync(token), CancellationToken.None);
        _reminderLoop = Task.Run(() => reminders.RunAsync(token), CancellationToken.None);
        _loops.Add(Task.Run(() => CollectIdleLoopAsync(token), CancellationToken.None));
        IsRunning = true;
        LogStarted(silo.SiloId, silo.Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning)
        {
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

    private async Task CollectIdleLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.CollectionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await runtime.CollectIdleAsync(options.Value.IdleTimeout, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

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

    public void Dispose() => _stop.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} started at {Address}")]
    private partial void LogStarted(string siloId, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} stopping")]
    private partial void LogStopping(string siloId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {SiloId} stopped")]
    private partial void LogStopped(string siloId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A shutdown step failed")]
    private partial void LogStepFailed(Exception ex);
}
