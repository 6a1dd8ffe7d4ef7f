using Npgsql;
using OrleansGoRelay.Runtime.Events;

namespace OrleansGoRelay.Runtime.Reminders;

/// <summary>A due reminder claimed by one silo.</summary>
public sealed record ReminderTick(GrainId GrainId, string Name, TimeSpan Period, DateTimeOffset FirstDueAt, DateTimeOffset DueAt);

/// <summary>
/// Durable reminders. A due reminder is claimed by exactly one silo (a lease on the row), delivered, then moved to
/// its next due time after now, so each period fires once cluster-wide; a silo that dies mid-delivery lets its
/// lease lapse and another silo delivers that tick.
/// </summary>
public interface IReminderTable
{
    /// <summary>Creates or reschedules a reminder.</summary>
    Task UpsertAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken);

    /// <summary>Deletes a reminder.</summary>
    Task RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="max"/> due reminders for <paramref name="lease"/>.</summary>
    Task<IReadOnlyList<ReminderTick>> ClaimDueAsync(string siloId, int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Releases a claim and schedules the first period boundary after now.</summary>
    Task CompleteAsync(ReminderTick tick, string siloId, CancellationToken cancellationToken);
}

internal static class ReminderRules
{
    public static void Validate(string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.FromMilliseconds(100), nameof(period));
    }

    /// <summary>The first due time strictly after now: missed periods are skipped, not replayed.</summary>
    public static DateTimeOffset NextDue(DateTimeOffset due, TimeSpan period, DateTimeOffset now) =>
        due + (period * (Math.Floor((now - due) / period) + 1));
}

internal sealed record InMemoryReminderRow(TimeSpan Period, DateTimeOffset FirstDueAt, DateTimeOffset DueAt, string? LeaseOwner, DateTimeOffset LeaseUntil);

/// <summary>Reminders in memory, shared by the silos of one <see cref="InMemoryCluster"/>.</summary>
public sealed class InMemoryReminderTable(InMemoryCluster cluster) : IReminderTable
{
    public Task UpsertAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        ReminderRules.Validate(name, dueTime, period);
        var due = cluster.Time.GetUtcNow() + dueTime;
        lock (cluster.Reminders)
        {
            cluster.Reminders[(grainId, name)] = new InMemoryReminderRow(period, due, due, null, default);
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        lock (cluster.Reminders)
        {
            cluster.Reminders.Remove((grainId, name));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ReminderTick>> ClaimDueAsync(string siloId, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = cluster.Time.GetUtcNow();
        var claimed = new List<ReminderTick>();
        lock (cluster.Reminders)
        {
            foreach (var ((grainId, name), row) in cluster.Reminders.Where(r => r.Value.DueAt <= now && (r.Value.LeaseOwner is null || r.Value.LeaseUntil < now))
                         .OrderBy(r => r.Value.DueAt).Take(max).ToList())
            {
                cluster.Reminders[(grainId, name)] = row with { LeaseOwner = siloId, LeaseUntil = now + lease };
                claimed.Add(new ReminderTick(grainId, name, row.Period, row.FirstDueAt, row.DueAt));
            }
        }

        return Task.FromResult<IReadOnlyList<ReminderTick>>(claimed);
    }

    public Task CompleteAsync(ReminderTick tick, string siloId, CancellationToken cancellationToken)
    {
        lock (cluster.Reminders)
        {
            if (cluster.Reminders.TryGetValue((tick.GrainId, tick.Name), out var row) && row.LeaseOwner == siloId && row.DueAt == tick.DueAt)
            {
                cluster.Reminders[(tick.GrainId, tick.Name)] = row with
                {
                    DueAt = ReminderRules.NextDue(row.DueAt, row.Period, cluster.Time.GetUtcNow()),
                    LeaseOwner = null,
                };
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>The <c>reminders</c> table; due rows are claimed with <c>FOR UPDATE SKIP LOCKED</c> so silos never wait on each other.</summary>
public sealed class PostgresReminderTable(NpgsqlDataSource dataSource) : IReminderTable
{
    public async Task UpsertAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        ReminderRules.Validate(name, dueTime, period);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO reminders (grain_type, grain_key, name, period, first_due_at, due_at)
            VALUES ($1, $2, $3, $4, now() + $5, now() + $5)
            ON CONFLICT (grain_type, grain_key, name) DO UPDATE
               SET period = EXCLUDED.period, first_due_at = EXCLUDED.first_due_at, due_at = EXCLUDED.due_at,
                   lease_owner = NULL, lease_until = NULL
            """);
        AddKey(command, grainId, name);
        command.Parameters.Add(new NpgsqlParameter { Value = period });
        command.Parameters.Add(new NpgsqlParameter { Value = dueTime });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM reminders WHERE grain_type = $1 AND grain_key = $2 AND name = $3");
        AddKey(command, grainId, name);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReminderTick>> ClaimDueAsync(string siloId, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH due AS (
                SELECT grain_type, grain_key, name FROM reminders
                 WHERE due_at <= now() AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY due_at LIMIT $2
                 FOR UPDATE SKIP LOCKED
            )
            UPDATE reminders r SET lease_owner = $1, lease_until = now() + $3
              FROM due
             WHERE r.grain_type = due.grain_type AND r.grain_key = due.grain_key AND r.name = due.name
            RETURNING r.grain_type, r.grain_key, r.name, r.period, r.first_due_at, r.due_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        command.Parameters.Add(new NpgsqlParameter { Value = lease });
        var ticks = new List<ReminderTick>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ticks.Add(new ReminderTick(new GrainId(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<TimeSpan>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return ticks;
    }

    public async Task CompleteAsync(ReminderTick tick, string siloId, CancellationToken cancellationToken)
    {
        // Next due = the first period boundary after now, computed on the database clock.
        await using var command = dataSource.CreateCommand("""
            UPDATE reminders
               SET due_at = due_at + period * (floor(extract(epoch FROM now() - due_at) / extract(epoch FROM period)) + 1),
                   lease_owner = NULL, lease_until = NULL
             WHERE grain_type = $1 AND grain_key = $2 AND name = $3 AND lease_owner = $4 AND due_at = $5
            """);
        AddKey(command, tick.GrainId, tick.Name);
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        command.Parameters.Add(new NpgsqlParameter { Value = tick.DueAt });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddKey(NpgsqlCommand command, GrainId grainId, string name)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
    }
}
