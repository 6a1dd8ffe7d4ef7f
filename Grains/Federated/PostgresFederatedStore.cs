using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Learning.Federated.Rounds;
using static OrleansGoRelay.Grains.Storage.SqlCommands;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>Rounds, their logs and the registry in PostgreSQL (schema <c>fl</c>, migration 0007).</summary>
public sealed class PostgresFederatedStore(NpgsqlDataSource dataSource) : IFederatedStore
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private const string VersionColumns =
        "v.model_hash, v.version, v.parent, v.round_id, v.metrics::text, (p.model_hash IS NOT NULL), v.created_at, v.architecture::text, v.parameters, " +
        "v.stamps_used, v.contributors::text, v.gate::text, v.epsilon_spent, v.promoted_at";

    private const string VersionFrom = "fl.model_versions v LEFT JOIN fl.promoted p ON p.model_hash = v.model_hash";

    public async Task<bool> CreateRoundAsync(StoredRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO fl.rounds (round_id, number, start, setup, stage, created_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6) ON CONFLICT DO NOTHING");
        command.WithValues(round.RoundId, round.Number, JsonSerializer.Serialize(round.Start, Json), JsonSerializer.Serialize(round.Setup, Json), round.Stage, round.CreatedAt);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
    }

    public async Task<int> NextRoundNumberAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(number), 0) + 1 FROM fl.rounds");
        return (int)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    public async Task<StoredRound?> GetRoundAsync(string roundId) =>
        await QueryRoundsAsync("WHERE round_id = $1", roundId).ConfigureAwait(false) is [var round, ..] ? round : null;

    public Task<IReadOnlyList<StoredRound>> ListRoundsAsync(int limit) => QueryRoundsAsync("ORDER BY number DESC LIMIT $1", limit);

    public async Task UpdateRoundAsync(string roundId, string stage, RoundOutcome? outcome, DateTimeOffset? finishedAt)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE fl.rounds SET stage = $2, outcome = coalesce($3::jsonb, outcome), finished_at = coalesce($4, finished_at) WHERE round_id = $1");
        command.WithValues(roundId, stage, outcome is null ? null : JsonSerializer.Serialize(outcome, Json), finishedAt);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public async Task<bool> AppendMessageAsync(string roundId, RoundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO fl.round_messages (round_id, sequence, kind, relay_id, body, sha256, at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING");
        command.WithValues(roundId, message.Sequence, message.Kind, message.RelayId, message.Body, SHA256.HashData(message.Body), message.At);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<RoundMessage>> MessagesAsync(string roundId)
    {
        await using var command = dataSource.CreateCommand("SELECT sequence, kind, relay_id, body, sha256, at FROM fl.round_messages WHERE round_id = $1 ORDER BY sequence");
        command.WithValues(roundId);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var messages = new List<RoundMessage>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var body = (byte[])reader[3];
            // A log row whose body does not match its hash is corrupt: replaying it would build another round.
            if (!SHA256.HashData(body).AsSpan().SequenceEqual((byte[])reader[4]))
            {
                throw new InvalidDataException($"Round '{roundId}' message {reader.GetInt64(0)} does not match its SHA-256.");
            }
            messages.Add(new RoundMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), body, Utc(reader.GetDateTime(5))));
        }
        return messages;
    }

    public async Task<bool> InsertVersionAsync(StoredVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var v = version.View;
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        // Numbers are given under a lock so two registrations never take the same one.
        await using (var lockCommand = new NpgsqlCommand("LOCK TABLE fl.model_versions IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO fl.model_versions (model_hash, version, parent, round_id, architecture, parameters, metrics, gate, stamps_used, contributors,
                                           epsilon_spent, weights, onnx, created_at)
            SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13 FROM fl.model_versions
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        command.WithValues(v.ModelHash, v.Parent, v.Round, version.Architecture, v.Parameters, JsonSerializer.Serialize(v.Metrics, Json),
            v.Gate is null ? null : JsonSerializer.Serialize(v.Gate, Json), v.StampsUsed.ToArray(), JsonSerializer.Serialize(v.Contributors, Json),
            v.EpsilonSpent, version.Weights, version.Onnx, v.CreatedAt);
        var inserted = await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
        await transaction.CommitAsync().ConfigureAwait(false);
        return inserted;
    }

    public Task<IReadOnlyList<ModelVersionView>> VersionsAsync(int limit) => QueryVersionsAsync("ORDER BY v.version DESC LIMIT $1", limit);

    public async Task<ModelVersionView?> VersionAsync(string modelHash) =>
        await QueryVersionsAsync("WHERE v.model_hash = $1", modelHash).ConfigureAwait(false) is [var version, ..] ? version : null;

    public async Task<ModelVersionView?> VersionOfRoundAsync(string roundId) =>
        await QueryVersionsAsync("WHERE v.round_id = $1", roundId).ConfigureAwait(false) is [var version, ..] ? version : null;

    public async Task<byte[]?> WeightsAsync(string modelHash) => await ScalarAsync<byte[]>("SELECT weights FROM fl.model_versions WHERE model_hash = $1", modelHash).ConfigureAwait(false);

    public async Task<string?> ArchitectureAsync(string modelHash) => await ScalarAsync<string>("SELECT architecture::text FROM fl.model_versions WHERE model_hash = $1", modelHash).ConfigureAwait(false);

    public async Task<byte[]?> OnnxAsync(string modelHash) => await ScalarAsync<byte[]>("SELECT onnx FROM fl.model_versions WHERE model_hash = $1", modelHash).ConfigureAwait(false);

    public async Task<string?> PromotedAsync() => await ScalarAsync<string>("SELECT model_hash FROM fl.promoted").ConfigureAwait(false);

    public async Task PromoteAsync(string modelHash, DateTimeOffset at, IReadOnlyList<ReputationChange> reputation)
    {
        ArgumentNullException.ThrowIfNull(reputation);
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(
            """
            WITH promoted AS (
                INSERT INTO fl.promoted (only_row, model_hash, changed_at) VALUES (true, $1, $2)
                ON CONFLICT (only_row) DO UPDATE SET model_hash = excluded.model_hash, changed_at = excluded.changed_at)
            UPDATE fl.model_versions SET promoted_at = coalesce(promoted_at, $2) WHERE model_hash = $1
            """, connection, transaction))
        {
            command.WithValues(modelHash, at);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await ReputationSql.ApplyAsync(connection, transaction, reputation, at).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    public async Task<int> RecordStandingAsync(string relayId, string roundId, bool included, DateTimeOffset now, ReputationChange? reputation = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        int failures;
        // Once per round: a retried settlement (after a crash) finds last_round already at this round and changes nothing,
        // and the round's reputation change is keyed by round and relay.
        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO fl.relay_standing AS s (relay_id, consecutive_failures, rounds_included, last_round, updated_at)
            VALUES ($1, CASE WHEN $3 THEN 0 ELSE 1 END, CASE WHEN $3 THEN 1 ELSE 0 END, $2, $4)
            ON CONFLICT (relay_id) DO UPDATE SET
                consecutive_failures = CASE WHEN s.last_round = $2 THEN s.consecutive_failures WHEN $3 THEN 0 ELSE s.consecutive_failures + 1 END,
                rounds_included = CASE WHEN s.last_round = $2 THEN s.rounds_included WHEN $3 THEN s.rounds_included + 1 ELSE s.rounds_included END,
                last_round = $2, updated_at = $4
            RETURNING consecutive_failures
            """, connection, transaction))
        {
            command.WithValues(relayId, roundId, included, now);
            failures = (int)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }
        if (reputation is not null)
        {
            await ReputationSql.ApplyAsync(connection, transaction, [reputation], now).ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
        return failures;
    }

    public async Task<string?> PrivacyStateAsync(string run) => await ScalarAsync<string>("SELECT state::text FROM fl.privacy WHERE run = $1", run).ConfigureAwait(false);

    public async Task SavePrivacyStateAsync(string run, string state, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO fl.privacy (run, state, updated_at) VALUES ($1, $2::jsonb, $3) ON CONFLICT (run) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
        command.WithValues(run, state, now);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<T?> ScalarAsync<T>(string sql, params object?[] values) where T : class
    {
        await using var command = dataSource.CreateCommand(sql);
        command.WithValues(values);
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as T;
    }

    private async Task<IReadOnlyList<StoredRound>> QueryRoundsAsync(string tail, params object?[] values)
    {
        await using var command = dataSource.CreateCommand($"SELECT round_id, number, start::text, setup::text, stage, outcome::text, created_at, finished_at FROM fl.rounds {tail}");
        command.WithValues(values);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var rounds = new List<StoredRound>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            rounds.Add(new StoredRound(reader.GetString(0), reader.GetInt32(1), JsonSerializer.Deserialize<RoundStart>(reader.GetString(2), Json)!,
                JsonSerializer.Deserialize<RoundSetup>(reader.GetString(3), Json)!, reader.GetString(4),
                reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<RoundOutcome>(reader.GetString(5), Json),
                Utc(reader.GetDateTime(6)), reader.IsDBNull(7) ? null : Utc(reader.GetDateTime(7))));
        }
        return rounds;
    }

    private async Task<IReadOnlyList<ModelVersionView>> QueryVersionsAsync(string tail, params object?[] values)
    {
        await using var command = dataSource.CreateCommand($"SELECT {VersionColumns} FROM {VersionFrom} {tail}");
        command.WithValues(values);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var versions = new List<ModelVersionView>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            versions.Add(new ModelVersionView(
                reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                JsonSerializer.Deserialize<ModelMetrics>(reader.GetString(4), Json)!, reader.GetBoolean(5), Utc(reader.GetDateTime(6)),
                ModelArchitecture.Describe(reader.GetString(7)), ModelArchitecture.Shape(reader.GetString(7)), reader.GetInt32(8), (string[])reader[9],
                JsonSerializer.Deserialize<VersionContributor[]>(reader.GetString(10), Json)!,
                reader.IsDBNull(11) ? null : JsonSerializer.Deserialize<GateReport>(reader.GetString(11), Json),
                reader.IsDBNull(12) ? null : reader.GetDouble(12), reader.IsDBNull(13) ? null : Utc(reader.GetDateTime(13))));
        }
        return versions;
    }
}
