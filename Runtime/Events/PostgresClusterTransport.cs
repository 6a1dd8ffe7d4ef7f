using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGoRelay.Runtime.Storage;

namespace OrleansGoRelay.Runtime.Events;

/// <summary>
/// Cross-silo messages over PostgreSQL LISTEN/NOTIFY on one dedicated connection. State changes are sent by the
/// storage's write statement itself (so they leave only on commit); events by <see cref="PublishAsync"/>. When the
/// listening connection drops, messages may have been missed, so subscribers are told to drop their caches.
/// </summary>
public sealed partial class PostgresClusterTransport(NpgsqlDataSource dataSource, ILogger<PostgresClusterTransport> logger) : IClusterTransport, IAsyncDisposable
{
    internal const string EventChannel = "gorelay_events";
    internal const string StateChannel = "gorelay_grain_state";

    private CancellationTokenSource? _stop;
    private Task? _listen;

    public event Action<ClusterEvent>? EventReceived;

    public event Action<GrainStateChange>? StateChanged;

    public event Action? MessagesMayHaveBeenLost;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stop = new CancellationTokenSource();
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listen = Task.Run(() => ListenLoopAsync(connected, _stop.Token), CancellationToken.None);
        await connected.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ListenLoopAsync(TaskCompletionSource connected, CancellationToken stop)
    {
        var first = true;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var command = new NpgsqlCommand($"LISTEN {EventChannel}; LISTEN {StateChannel};", connection))
                {
                    await command.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                if (!first)
                {
                    MessagesMayHaveBeenLost?.Invoke();
                }

                first = false;
                connected.TrySetResult();
                while (!stop.IsCancellationRequested)
                {
                    await connection.WaitAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex);
                MessagesMayHaveBeenLost?.Invoke();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        try
        {
            if (e.Channel == StateChannel)
            {
                // [grain_type, grain_key, state_name, version, origin_silo]
                using var document = JsonDocument.Parse(e.Payload);
                var row = document.RootElement;
                StateChanged?.Invoke(new GrainStateChange(
                    new GrainId(row[0].GetString()!, row[1].GetString()!), row[2].GetString()!, row[3].GetInt64(), row[4].GetString()!));
            }
            else if (e.Channel == EventChannel)
            {
                var clusterEvent = JsonSerializer.Deserialize<ClusterEvent>(e.Payload);
                if (clusterEvent is not null)
                {
                    EventReceived?.Invoke(clusterEvent);
                }
            }
        }
        catch (Exception ex)
        {
            LogBadNotification(ex, e.Channel);
        }
    }

    public async Task PublishAsync(ClusterEvent clusterEvent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = EventChannel });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(clusterEvent) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Host shutdown and disposal may both stop the transport, concurrently: only the first does the work.
        var stop = Interlocked.Exchange(ref _stop, null);
        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        if (_listen is not null)
        {
            await _listen.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN connection failed; reconnecting")]
    private partial void LogListenFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a malformed notification on {Channel}")]
    private partial void LogBadNotification(Exception ex, string channel);
}
