using Npgsql;

namespace OrleansGoRelay.Runtime.Membership;

/// <summary>
/// The <c>silos</c> table. A silo declared dead is also fenced: every database session it opened (they carry its
/// id as application name) is terminated, so its advisory locks, and any write it still had in flight, end with it.
/// </summary>
public sealed class PostgresMembershipTable(NpgsqlDataSource dataSource) : IMembershipTable
{
    /// <summary>The application name every connection of a silo carries; PostgreSQL keeps 63 bytes of it.</summary>
    public static string ApplicationNameOf(string siloId)
    {
        var name = $"gorelay:{siloId}";
        return name.Length > 63 ? name[..63] : name;
    }

    public async Task RegisterAsync(SiloIdentity silo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO silos (silo_id, silo_name, address, status, started_at, heartbeat_at)
            VALUES ($1, $2, $3, 'active', now(), now())
            ON CONFLICT (silo_id) DO UPDATE SET status = 'active', heartbeat_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = silo.SiloId });
        command.Parameters.Add(new NpgsqlParameter { Value = silo.SiloName });
        command.Parameters.Add(new NpgsqlParameter { Value = silo.Address });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE silos SET heartbeat_at = now() WHERE silo_id = $1 AND status IN ('active', 'shutting_down')");
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan missedFor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH dead AS (
                UPDATE silos SET status = 'dead', declared_dead_at = now()
                 WHERE status IN ('active', 'shutting_down') AND heartbeat_at < now() - $1
                RETURNING silo_id
            ), released AS (
                -- A fenced silo delivers nothing more: its reminder claims are free at once, not when their lease lapses.
                UPDATE reminders SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IN (SELECT silo_id FROM dead)
            ), fenced AS (
                SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a
                 WHERE a.application_name IN (SELECT left('gorelay:' || silo_id, 63) FROM dead)
            )
            SELECT silo_id FROM dead, LATERAL (SELECT count(*) FROM fenced) f
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = missedFor });
        var dead = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            dead.Add(reader.GetString(0));
        }

        return dead;
    }

    public async Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE silos SET status = $2 WHERE silo_id = $1 AND status <> 'dead'");
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        command.Parameters.Add(new NpgsqlParameter { Value = ToText(status) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT silo_id, silo_name, address, status, started_at, heartbeat_at FROM silos ORDER BY started_at");
        var rows = new List<SiloEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new SiloEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), FromText(reader.GetString(3)),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rows;
    }

    private static string ToText(SiloStatus status) => status switch
    {
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown => "shutting_down",
        SiloStatus.Dead => "dead",
        SiloStatus.Left => "left",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static SiloStatus FromText(string status) => status switch
    {
        "active" => SiloStatus.Active,
        "shutting_down" => SiloStatus.ShuttingDown,
        "dead" => SiloStatus.Dead,
        "left" => SiloStatus.Left,
        _ => throw new InvalidOperationException($"Unknown silo status '{status}'."),
    };
}
