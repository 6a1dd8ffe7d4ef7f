using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace OrleansGoRelay.Persistence.GrainStorage;

/// <summary>The primary key of one <c>grain_state</c> row.</summary>
internal readonly record struct StateRowKey(string GrainType, string GrainKey, string StateName);

/// <summary>
/// A compare-and-swap write of one <c>grain_state</c> row: applies only if the stored version still equals
/// <see cref="ExpectedVersion"/> (0: only if there is no row). A null <see cref="Json"/> writes a tombstone.
/// </summary>
internal sealed record StateRowWrite(StateRowKey Key, string StateType, string? Json, long ExpectedVersion);

/// <summary>
/// What became of one write: <see cref="WrittenVersion"/> when it committed; otherwise it lost the compare-and-swap and
/// <see cref="StoredVersion"/> is the version the row had when the statement ran (null: no row).
/// </summary>
internal readonly record struct StateRowWriteOutcome(long? WrittenVersion, long? StoredVersion);

/// <summary>
/// Group commit of <c>grain_state</c> writes. Concurrent writes queue up; each of a few flush loops takes what is queued
/// (up to a batch size) and writes it in one statement, which is one transaction and one WAL flush. Every write learns
/// its own outcome and is acknowledged only after that commit, so batching never acknowledges a write that is not
/// durable, and one write losing its compare-and-swap does not fail the others in its batch.
/// </summary>
internal sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private const int MaxDeadlockAttempts = 4;

    // One statement: updates where the expected version still holds, inserts where no row was expected, and for every
    // input row (by its ordinal) the version it wrote or, if it wrote nothing, the version the row had.
    private const string WriteBatchSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY
                AS i(grain_type, grain_key, state_name, state_type, state, expected, ord)
        ), updated AS (
            UPDATE grain_state g
               SET state_type = i.state_type, state = i.state::jsonb, version = g.version + 1, updated_at = now()
              FROM input i
             WHERE i.expected > 0 AND g.grain_type = i.grain_type AND g.grain_key = i.grain_key
               AND g.state_name = i.state_name AND g.version = i.expected
            RETURNING i.ord, g.version
        ), inserted AS (
            INSERT INTO grain_state (grain_type, grain_key, state_name, state_type, state, version)
            SELECT grain_type, grain_key, state_name, state_type, state::jsonb, 1 FROM input WHERE expected = 0
            ON CONFLICT DO NOTHING
            RETURNING grain_type, grain_key, state_name, version
        ), written AS (
            SELECT ord, version FROM updated
            UNION ALL
            SELECT i.ord, n.version FROM inserted n JOIN input i USING (grain_type, grain_key, state_name) WHERE i.expected = 0
        )
        SELECT i.ord, w.version, g.version
          FROM input i
          LEFT JOIN written w ON w.ord = i.ord
          LEFT JOIN grain_state g ON w.ord IS NULL AND g.grain_type = i.grain_type AND g.grain_key = i.grain_key
                                 AND g.state_name = i.state_name
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly int _maxBatchSize;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Task[] _flushers;
    private long _statements;
    private long _writes;

    public GroupCommitWriter(NpgsqlDataSource dataSource, int maxBatchSize, int flusherCount, ILogger logger)
    {
        _dataSource = dataSource;
        _maxBatchSize = maxBatchSize;
        _logger = logger;
        _flushers = [.. Enumerable.Range(0, flusherCount).Select(_ => Task.Run(FlushLoopAsync))];
    }

    /// <summary>
    /// Queues a write: a flush loop calls its <see cref="PendingWrite.Complete"/> once the batch that carried it has
    /// committed, or its <see cref="PendingWrite.Fail"/>, and always before <see cref="StopAsync"/> completes.
    /// </summary>
    /// <returns>False when the writer has stopped and took nothing (the write was not attempted).</returns>
    public bool TryWrite(PendingWrite pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return _queue.Writer.TryWrite(pending);
    }

    /// <summary>How many write statements (each one transaction) have completed, and how many writes they carried; for tests and measurements.</summary>
    internal (long Statements, long Writes) Counts => (Interlocked.Read(ref _statements), Interlocked.Read(ref _writes));

    /// <summary>
    /// Takes no more writes, commits what is queued, and returns when the flush loops have finished (or
    /// <paramref name="cancellationToken"/> fires; the loops still drain the queue). When it returns, every write the
    /// writer took has been completed or failed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // From here on TryWrite refuses; whatever it took before is still read by the loops, which end only once the
        // queue is completed and empty and they hold nothing back.
        _queue.Writer.TryComplete();
        await Task.WhenAll(_flushers).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task FlushLoopAsync()
    {
        var batch = new List<PendingWrite>(_maxBatchSize);
        var keys = new HashSet<StateRowKey>();
        // Writes held back from a batch (a second write to a row already in it, or no room): first in the next one.
        var held = new List<PendingWrite>();
        var stillHeld = new List<PendingWrite>();
        while (held.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            keys.Clear();
            stillHeld.Clear();
            foreach (var pending in held)
            {
                Take(pending);
            }

            // Two writes to one row never share a statement: the second must see the first's version.
            while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var next))
            {
                Take(next);
            }

            (held, stillHeld) = (stillHeld, held);
            if (batch.Count > 0)
            {
                await FlushAsync(batch).ConfigureAwait(false);
            }
        }

        void Take(PendingWrite pending)
        {
            if (batch.Count < _maxBatchSize && keys.Add(pending.Write.Key))
            {
                batch.Add(pending);
            }
            else
            {
                stillHeld.Add(pending);
            }
        }
    }

    private async Task FlushAsync(List<PendingWrite> batch)
    {
        try
        {
            var outcomes = await ExecuteBatchWithDeadlockRetryAsync(batch).ConfigureAwait(false);
            Interlocked.Increment(ref _statements);
            Interlocked.Add(ref _writes, batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Complete(outcomes[i]);
            }
        }
        catch (PostgresException ex) when (batch.Count > 1 && !ex.IsTransient)
        {
            // The statement failed as a whole, so nothing of it committed. One bad row (e.g. a string jsonb refuses)
            // must not fail its neighbours: write them one by one, and only the bad one fails.
            LogBatchRetriedOneByOne(batch.Count, ex.SqlState);
            foreach (var pending in batch)
            {
                await FlushAsync([pending]).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Connection lost, database down, ...: these writes have an unknown or failed outcome; their callers see it.
            LogBatchFailed(ex, batch.Count);
            foreach (var pending in batch)
            {
                pending.Fail(ex);
            }
        }
    }

    private async Task<StateRowWriteOutcome[]> ExecuteBatchWithDeadlockRetryAsync(List<PendingWrite> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ExecuteBatchAsync(batch).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (attempt < MaxDeadlockAttempts
                && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Two batches locking shared rows in opposite orders: the statement rolled back whole; run it again.
                LogBatchRetriedAfterDeadlock(batch.Count, ex.SqlState, attempt);
            }
        }
    }

    private async Task<StateRowWriteOutcome[]> ExecuteBatchAsync(List<PendingWrite> batch)
    {
        var count = batch.Count;
        var grainTypes = new string[count];
        var grainKeys = new string[count];
        var stateNames = new string[count];
        var stateTypes = new string[count];
        var states = new string?[count];
        var expected = new long[count];
        for (var i = 0; i < count; i++)
        {
            var write = batch[i].Write;
            (grainTypes[i], grainKeys[i], stateNames[i]) = (write.Key.GrainType, write.Key.GrainKey, write.Key.StateName);
            (stateTypes[i], states[i], expected[i]) = (write.StateType, write.Json, write.ExpectedVersion);
        }

        var command = _dataSource.CreateCommand(WriteBatchSql);
        await using var commandDisposal = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter { Value = grainTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = grainKeys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stateNames, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stateTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = states, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });

        var outcomes = new StateRowWriteOutcome[count];
        var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var index = checked((int)reader.GetInt64(0) - 1);
            outcomes[index] = new StateRowWriteOutcome(
                reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2));
        }

        return outcomes;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} grain state writes failed with SQLSTATE {SqlState}; writing them one by one")]
    private partial void LogBatchRetriedOneByOne(int count, string sqlState);

    [LoggerMessage(Level = LogLevel.Information, Message = "A batch of {Count} grain state writes rolled back with SQLSTATE {SqlState} (attempt {Attempt}); running it again")]
    private partial void LogBatchRetriedAfterDeadlock(int count, string sqlState, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} grain state writes failed; each of its writers gets the error")]
    private partial void LogBatchFailed(Exception exception, int count);

}

/// <summary>
/// A write in the queue of a <see cref="GroupCommitWriter"/> and the caller waiting for it. A flush loop calls exactly
/// one of <see cref="Complete"/> (its batch committed) or <see cref="Fail"/>; the caller's task must be completed
/// within that call (not in a continuation), so that once the loops have finished no caller is still waiting.
/// </summary>
internal abstract class PendingWrite(StateRowWrite write)
{
    public StateRowWrite Write { get; } = write;

    /// <summary>The batch that carried this write committed with <paramref name="outcome"/>. Must not throw.</summary>
    public abstract void Complete(StateRowWriteOutcome outcome);

    /// <summary>The batch that carried this write failed; its outcome is unknown or failed. Must not throw.</summary>
    public abstract void Fail(Exception error);
}
