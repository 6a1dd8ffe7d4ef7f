using Npgsql;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Grains.Storage;
using OrleansGoRelay.Ledger;
using static OrleansGoRelay.Grains.Storage.SqlCommands;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>Relays in PostgreSQL (schema <c>relays</c>, migration 0003).</summary>
public sealed class PostgresRelayStore(NpgsqlDataSource dataSource) : IRelayStore
{
    private const string Columns =
        "relay_id, public_key, region, latitude, longitude, capacity, bandwidth_mbps, fl_enabled, address, staked_tokens, role, " +
        "health, sessions, circuits, latency_ms, cpu_percent, reputation, failures, registered_at, last_heartbeat_at, health_changed_at, quarantined_until";

    public async Task<RelayView?> GetAsync(string relayId)
    {
        var relays = await QueryAsync($"SELECT {Columns} FROM relays.relays WHERE relay_id = $1", relayId).ConfigureAwait(false);
        return relays.Count == 0 ? null : relays[0];
    }

    public Task<IReadOnlyList<RelayView>> ListAsync() => QueryAsync($"SELECT {Columns} FROM relays.relays ORDER BY relay_id");

    public async Task<RelayView> UpsertRegistrationAsync(RelayRegistration registration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var relays = await QueryAsync(
            $"""
            INSERT INTO relays.relays (relay_id, public_key, region, latitude, longitude, capacity, bandwidth_mbps, fl_enabled, address,
                                       staked_tokens, role, health, registered_at, health_changed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'healthy', $12, $12)
            ON CONFLICT (relay_id) DO UPDATE SET public_key = $2, region = $3, latitude = $4, longitude = $5, capacity = $6,
                bandwidth_mbps = $7, fl_enabled = $8, address = $9, staked_tokens = $10, role = $11
            RETURNING {Columns}
            """,
            registration.RelayId, registration.PublicKey, registration.Region, registration.Latitude, registration.Longitude,
            registration.Capacity, registration.BandwidthMbps, registration.FlEnabled, registration.Address, registration.StakedTokens,
            LedgerNames.NameOf(registration.Role), now).ConfigureAwait(false);
        return relays[0];
    }

    public async Task<RelayView?> HeartbeatAsync(string relayId, RelayHeartbeat heartbeat, Func<RelayView, RelayHealth> healthAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(healthAfter);
        // The row lock orders this heartbeat against the health monitor's transitions of the same relay.
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var current = await QueryAsync(connection, $"SELECT {Columns} FROM relays.relays WHERE relay_id = $1 FOR UPDATE", relayId).ConfigureAwait(false);
        if (current.Count == 0)
        {
            return null;
        }
        var health = healthAfter(current[0]);
        var updated = await QueryAsync(connection,
            $"""
            UPDATE relays.relays SET sessions = $2, circuits = $3, latency_ms = $4, cpu_percent = $5,
                bandwidth_mbps = CASE WHEN $6 > 0 THEN $6 ELSE bandwidth_mbps END, last_heartbeat_at = $7,
                health_changed_at = CASE WHEN health = $8 THEN health_changed_at ELSE $7 END, health = $8
            WHERE relay_id = $1 RETURNING {Columns}
            """,
            relayId, heartbeat.Sessions, heartbeat.Circuits, heartbeat.LatencyMs, heartbeat.CpuPercent, heartbeat.BandwidthMbps, now,
            LedgerNames.NameOf(health)).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return updated[0];
    }

    public async Task<bool> TransitionAsync(RelayView observed, RelayHealth health, IReadOnlyList<DateTimeOffset> failures, DateTimeOffset? quarantinedUntil, DateTimeOffset now,
        ReputationChange? reputation = null)
    {
        ArgumentNullException.ThrowIfNull(observed);
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var changed = await QueryAsync(connection,
            $"""
            UPDATE relays.relays SET health = $4, failures = $5, quarantined_until = $6, health_changed_at = $7
            WHERE relay_id = $1 AND health = $2 AND last_heartbeat_at IS NOT DISTINCT FROM $3 RETURNING {Columns}
            """,
            observed.RelayId, LedgerNames.NameOf(observed.Health), observed.LastHeartbeatAt,
            LedgerNames.NameOf(health), failures.ToArray(), quarantinedUntil, now).ConfigureAwait(false);
        if (changed.Count == 1 && reputation is not null)
        {
            await ReputationSql.ApplyAsync(connection, transaction, [reputation], now).ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
        return changed.Count == 1;
    }

    public Task<int> ApplyReputationAsync(IReadOnlyList<ReputationChange> changes, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return ReputationSql.ApplyAsync(dataSource, changes, at);
    }

    public async Task<bool> ClaimNonceAsync(string relayId, string nonce, DateTimeOffset expiresAt) =>
        await ExecuteAsync("INSERT INTO relays.request_nonces (relay_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            relayId, nonce, expiresAt).ConfigureAwait(false) == 1;

    public Task PruneNoncesAsync(DateTimeOffset now) => ExecuteAsync("DELETE FROM relays.request_nonces WHERE expires_at <= $1", now);

    public Task IndexSessionAsync(string gameId, string playerId, string relayId, DateTimeOffset now) =>
        ExecuteAsync(
            """
            INSERT INTO relays.sessions (game_id, player_id, relay_id, assigned_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (game_id, player_id) DO UPDATE SET relay_id = $3, assigned_at = $4
            """,
            gameId, playerId, relayId, now);

    public Task RemoveSessionsAsync(string gameId) => ExecuteAsync("DELETE FROM relays.sessions WHERE game_id = $1", gameId);

    public async Task<IReadOnlyList<string>> GamesOnAsync(string relayId)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT game_id FROM relays.sessions WHERE relay_id = $1 ORDER BY game_id").WithValues(relayId);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var games = new List<string>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            games.Add(reader.GetString(0));
        }
        return games;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, int>> GamesPerRelayAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT relay_id, count(DISTINCT game_id)::int FROM relays.sessions GROUP BY relay_id");
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var games = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            games[reader.GetString(0)] = reader.GetInt32(1);
        }
        return games;
    }

    private async Task<int> ExecuteAsync(string sql, params object?[] values)
    {
        await using var command = dataSource.CreateCommand(sql).WithValues(values);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<RelayView>> QueryAsync(string sql, params object?[] values)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        return await QueryAsync(connection, sql, values).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<RelayView>> QueryAsync(NpgsqlConnection connection, string sql, params object?[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection).WithValues(values);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var relays = new List<RelayView>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            relays.Add(Read(reader));
        }
        return relays;
    }

    private static RelayView Read(NpgsqlDataReader r)
    {
        var registration = new RelayRegistration(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetInt32(5), r.GetDouble(6), r.GetBoolean(7),
            r.GetString(8), r.GetInt64(9), LedgerNames.Parse<RelayRole>(r.GetString(10)));
        return new RelayView(
            registration, LedgerNames.Parse<RelayHealth>(r.GetString(11)), r.GetInt32(12), r.GetInt32(13), r.GetDouble(14), r.GetDouble(15),
            r.GetInt32(16), [.. r.GetFieldValue<DateTime[]>(17).Select(Utc)], Utc(r.GetDateTime(18)),
            r.IsDBNull(19) ? null : Utc(r.GetDateTime(19)), Utc(r.GetDateTime(20)), r.IsDBNull(21) ? null : Utc(r.GetDateTime(21)));
    }
}
