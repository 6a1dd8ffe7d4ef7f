using Npgsql;
using OrleansGoRelay.Grains.Storage;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// Applies <see cref="ReputationChange"/>s inside the caller's transaction, so a reputation moves with the event that
/// causes it (a stamp, a promotion, a round's standing, a quarantine) or not at all. Each change is first recorded in
/// <c>relays.reputation_events</c> under its event key (migration 0008); only changes whose key is new move a
/// reputation, which makes a retried settlement or promotion a no-op.
/// </summary>
internal static class ReputationSql
{
    /// <summary>Records and applies the changes with new keys (of known relays); returns how many were new.</summary>
    public static async Task<int> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<ReputationChange> changes, DateTimeOffset at)
    {
        if (changes.Count == 0)
        {
            return 0;
        }
        // A relay's new changes are summed and the sum clamped, as InMemoryRelayStore does.
        await using var command = new NpgsqlCommand(
            """
            WITH recorded AS (
                INSERT INTO relays.reputation_events (event_key, relay_id, delta, reason, at)
                SELECT DISTINCT ON (c.event_key) c.event_key, c.relay_id, c.delta, c.reason, $5
                FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS c(event_key, relay_id, delta, reason)
                WHERE EXISTS (SELECT 1 FROM relays.relays r WHERE r.relay_id = c.relay_id)
                ON CONFLICT (event_key) DO NOTHING
                RETURNING relay_id, delta),
            moved AS (
                UPDATE relays.relays r SET reputation = least($7, greatest($6, r.reputation + s.delta))
                FROM (SELECT relay_id, sum(delta)::int AS delta FROM recorded GROUP BY relay_id) s WHERE r.relay_id = s.relay_id)
            SELECT count(*) FROM recorded
            """, connection, transaction);
        command.WithValues(changes.Select(c => c.EventKey).ToArray(), changes.Select(c => c.RelayId).ToArray(), changes.Select(c => c.Delta).ToArray(),
            changes.Select(c => c.Reason).ToArray(), at, ReputationRules.Min, ReputationRules.Max);
        return (int)(long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    /// <summary>Applies the changes in a transaction of their own.</summary>
    public static async Task<int> ApplyAsync(NpgsqlDataSource dataSource, IReadOnlyList<ReputationChange> changes, DateTimeOffset at)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        return await ApplyAsync(connection, null, changes, at).ConfigureAwait(false);
    }
}
