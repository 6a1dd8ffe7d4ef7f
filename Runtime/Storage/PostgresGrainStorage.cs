using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace OrleansGoRelay.Runtime.Storage;

/// <summary>
/// Grain state in the <c>grain_state</c> table. Writes are group-committed: concurrent writes from many activations
/// travel in one statement and one transaction (one WAL flush), and each caller is acknowledged only after that
/// commit, so batching never acknowledges a write that is not durable. Each committed write also sends a
/// NOTIFY, delivered at commit, that tells other silos to drop a stale activation.
/// </summary>
public sealed partial class PostgresGrainStorage : IGrainStorage, IAsyncDisposable
{
    private const int MaxBatch = 512;
    private const int Flushers = 2;

    private const string ReadSql = "SELECT state_type, state::text, version FROM grain_state WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3";

    private const string WriteBatchSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[])
                AS i(grain_type, grain_key, state_name, state_type, state, expected, ord)
        ), updated AS (
            UPDATE grain_state g
               SET state_type = i.state_type, state = i.state::jsonb, version = g.version + 1, updated_at = now()
              FROM input i
             WHERE i.expected > 0 AND g.grain_type = i.grain_type AND g.grain_key = i.grain_key
               AND g.state_name = i.state_name AND g.version = i.expected
            RETURNING i.ord, g.grain_type, g.grain_key, g.state_name, g.version
        ), inserted AS (
            INSERT INTO grain_state (grain_type, grain_key, state_name, state_type, state, version)
            SELECT grain_type, grain_key, state_name, state_type, state::jsonb, 1 FROM input WHERE expected = 0
            ON CONFLICT DO NOTHING
            RETURNING grain_type, grain_key, state_name, version
        ), written AS (
            SELECT ord, grain_type, grain_key, state_name, version FROM updated
            UNION ALL
            SELECT i.ord, n.grain_type, n.grain_key, n.state_name, n.version
              FROM inserted n JOIN input i USING (grain_type, grain_key, state_name)
        )
        SELECT ord, version,
               pg_notify('gorelay_grain_state', json_build_array(grain_type, grain_key, state_name, version, $8::text)::text) IS NULL
          FROM written
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly SiloIdentity _silo;
    private readonly ILogger<PostgresGrainStorage> _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _flushers;

    public PostgresGrainStorage(NpgsqlDataSource dataSource, SiloIdentity silo, ILogger<PostgresGrainStorage> logger)
    {
        _dataSource = dataSource;
        _silo = silo;
        _logger = logger;
        _flushers = [.. Enumerable.Range(0, Flushers).Select(_ => Task.Run(FlushLoopAsync))];
    }

    public async Task<StoredState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = stateName });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new StoredState(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2));
    }

    public Task<long> WriteAsync(StateWrite write, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(write, new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new SiloUnavailableException("Grain storage is shut down.");
        }

        return pending.Completion.Task;
    }

    private async Task FlushLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        var deferred = new List<PendingWrite>();
        var keys = new HashSet<(GrainId, string)>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            keys.Clear();
            // Two writes to one row never share a statement: the second must see the first's version.
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                if (keys.Add((next.Write.GrainId, next.Write.StateName)))
                {
                    batch.Add(next);
                }
                else
                {
                    deferred.Add(next);
                }
            }

            if (batch.Count > 0)
            {
                await FlushAsync(batch).ConfigureAwait(false);
            }

            foreach (var item in deferred)
            {
                _queue.Writer.TryWrite(item);
            }

            deferred.Clear();
        }
    }

    private async Task FlushAsync(List<PendingWrite> batch)
    {
        try
        {
            var versions = await ExecuteBatchAsync(batch).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i].Write;
                if (versions[i] is { } version)
                {
                    batch[i].Completion.TrySetResult(version);
                }
                else
                {
                    batch[i].Completion.TrySetException(new InconsistentStateException(write.GrainId, write.StateName, write.ExpectedVersion));
                }
            }
        }
        catch (PostgresException ex) when (batch.Count > 1 && !ex.IsTransient)
        {
            // One bad row (e.g. JSON that jsonb rejects) must not fail its neighbours: write them one by one.
            LogBatchRetriedSingly(ex.SqlState);
            foreach (var pending in batch)
            {
                await FlushAsync([pending]).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    private async Task<long?[]> ExecuteBatchAsync(List<PendingWrite> batch)
    {
        var count = batch.Count;
        var types = new string[count];
        var keys = new string[count];
        var names = new string[count];
        var stateTypes = new string[count];
        var states = new string?[count];
        var expected = new long[count];
        var ordinals = new int[count];
        for (var i = 0; i < count; i++)
        {
            var write = batch[i].Write;
            (types[i], keys[i], names[i]) = (write.GrainId.Type, write.GrainId.Key, write.StateName);
            (stateTypes[i], states[i], expected[i], ordinals[i]) = (write.StateType, write.Json, write.ExpectedVersion, i);
        }

        await using var command = _dataSource.CreateCommand(WriteBatchSql);
        command.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = names, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stateTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = states, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = ordinals, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = _silo.SiloId });

        var versions = new long?[count];
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            versions[reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return versions;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_flushers).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A state write batch failed with SQLSTATE {SqlState}; retrying its writes one by one")]
    private partial void LogBatchRetriedSingly(string sqlState);

    private sealed record PendingWrite(StateWrite Write, TaskCompletionSource<long> Completion);
}
