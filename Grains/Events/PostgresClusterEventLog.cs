using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Grains.Storage;

namespace OrleansGoRelay.Grains.Events;

/// <summary>
/// The event log in PostgreSQL (schema <c>audit</c>, migration 0006). An append takes the one-row head lock, so
/// sequences are given in commit order and without gaps (a reader that saw n has seen everything before n), and
/// notifies every silo through <c>pg_notify</c> at commit. Each silo keeps one listening connection that turns those
/// notifications into wake-ups; when it is down, waiters fall back to their timeout and read anyway.
/// </summary>
public sealed partial class PostgresClusterEventLog(NpgsqlDataSource dataSource, ILogger<PostgresClusterEventLog> logger) : IClusterEventLog, IAsyncDisposable
{
    /// <summary>The notification channel appends signal on.</summary>
    public const string Channel = "gorelay_events";

    private const string Columns = "sequence, type, at, subject, data::text";

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _notified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _latestNotified;
    private Task? _listener;

    /// <inheritdoc />
    public async Task<ClusterEvent?> AppendAsync<T>(ClusterEventType type, string subject, T data, string? dedupeKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var payload = JsonSerializer.Serialize(data, ApiJson.Options);
        await using var command = dataSource.CreateCommand(
            $"""
            WITH head AS (
                UPDATE audit.event_head SET sequence = sequence + 1
                WHERE NOT EXISTS (SELECT 1 FROM audit.events WHERE dedupe_key = $4)
                RETURNING sequence),
            inserted AS (
                INSERT INTO audit.events (sequence, type, at, subject, data, dedupe_key)
                SELECT sequence, $1, clock_timestamp(), $2, $3::jsonb, $4 FROM head
                RETURNING {Columns})
            SELECT inserted.*, pg_notify('{Channel}', sequence::text) FROM inserted
            """);
        command.WithValues(ApiJson.NameOf(type), subject, payload, dedupeKey);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null; // a concurrent append with the same key committed first (the statement, head included, rolled back)
        }
    }

    /// <inheritdoc />
    public async Task<long> LatestSequenceAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT sequence FROM audit.event_head");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClusterEvent>> ReadAfterAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return QueryAsync($"SELECT {Columns} FROM audit.events WHERE sequence > $1 ORDER BY sequence LIMIT $2", cancellationToken, after, limit);
    }

    private async Task<IReadOnlyList<ClusterEvent>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.WithValues(values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<ClusterEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(Read(reader));
        }
        return events;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClusterEvent>> OpenAsync(ClusterEventType opened, ClusterEventType closed, DateTimeOffset since, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return QueryAsync(
            $"""
            SELECT {Columns} FROM audit.events s
            WHERE s.type = $1 AND s.at >= $3
              AND NOT EXISTS (SELECT 1 FROM audit.events c WHERE c.subject = s.subject AND c.type = $2)
            ORDER BY s.sequence DESC LIMIT $4
            """, cancellationToken, ApiJson.NameOf(opened), ApiJson.NameOf(closed), since, limit);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClusterEvent>> LatestOfAsync(IReadOnlyCollection<ClusterEventType> types, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return QueryAsync($"SELECT {Columns} FROM audit.events WHERE type = ANY($1) ORDER BY sequence DESC LIMIT $2", cancellationToken,
            types.Select(ApiJson.NameOf).ToArray(), limit);
    }

    /// <inheritdoc />
    public async Task WaitForAsync(long after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task wake;
        lock (_lock)
        {
            _listener ??= Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
            if (_latestNotified > after)
            {
                return;
            }
            wake = _notified.Task;
        }
        await Task.WhenAny(wake, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listener is not null)
        {
            await _listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stopping.Dispose();
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
                connection.Notification += (_, e) => Wake(long.TryParse(e.Payload, out var sequence) ? sequence : long.MaxValue);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }
                Wake(long.MaxValue); // whatever was appended while no one listened is read now
                while (!stopping.IsCancellationRequested)
                {
                    await connection.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                LogListenFailed(logger, e);
                Wake(long.MaxValue);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Wake(long sequence)
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            // A reconnect reports "something may have happened" without knowing what: waiters read and wait again.
            _latestNotified = sequence == long.MaxValue ? _latestNotified : Math.Max(_latestNotified, sequence);
            wake = _notified;
            _notified = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.SetResult();
    }

    private static ClusterEvent Read(NpgsqlDataReader reader)
    {
        return new ClusterEvent(reader.GetInt64(0), ParseType(reader.GetString(1)), SqlCommands.Utc(reader.GetDateTime(2)), reader.GetString(3),
            JsonSerializer.Deserialize<JsonElement>(reader.GetString(4)));
    }

    private static ClusterEventType ParseType(string name) => JsonSerializer.Deserialize<ClusterEventType>($"\"{name}\"", ApiJson.Options);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for cluster events failed; reconnecting in 1 s")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
