using System.Text.Json;
using Npgsql;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Storage;
using OrleansGoRelay.Ledger;
using static OrleansGoRelay.Grains.Storage.SqlCommands;

namespace OrleansGoRelay.Grains.Stamps;

/// <summary>Stamps and models in PostgreSQL (schema <c>market</c>, migration 0003).</summary>
public sealed class PostgresStampStore(NpgsqlDataSource dataSource) : IStampStore
{
    private const string Columns =
        "stamp_id, game_hash, black_relay, white_relay, owner_relay, black_player, white_player, consensus_result, total_moves, game_class, " +
        "features::text, deposit, uses, status, created_at, burned_at, deposit_returned";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<IReadOnlyList<TrainingStamp>> GetAsync(IReadOnlyCollection<string> stampIds) =>
        QueryAsync($"SELECT {Columns} FROM market.stamps WHERE stamp_id = ANY($1)", [stampIds.ToArray()]);

    public async Task<bool> InsertAsync(TrainingStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        // One transaction: the stamp, who may use it, and its owner's reputation point, or nothing when it exists.
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            WITH inserted AS (
                INSERT INTO market.stamps (stamp_id, game_id, game_hash, black_relay, white_relay, owner_relay, black_player, white_player,
                                           consensus_result, total_moves, game_class, features, deposit, status, created_at)
                VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, 'active', $13)
                ON CONFLICT DO NOTHING RETURNING stamp_id),
            access AS (
                INSERT INTO market.stamp_access (relay_id, stamp_id)
                SELECT relay, stamp_id FROM inserted, unnest($14::text[]) AS relay)
            SELECT count(*) FROM inserted
            """, connection, transaction);
        command.WithValues(stamp.StampId, stamp.GameHash, stamp.BlackRelay, stamp.WhiteRelay, stamp.OwnerRelay, stamp.BlackPlayer,
            stamp.WhitePlayer, stamp.ConsensusResult, stamp.TotalMoves, LedgerNames.NameOf(stamp.GameClass),
            JsonSerializer.Serialize(stamp.Features, Json), stamp.Deposit, stamp.CreatedAt, stamp.AccessRelays.ToArray());
        var created = (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))! == 1;
        if (created)
        {
            await ReputationSql.ApplyAsync(connection, transaction, [ReputationRules.ForStamp(stamp.StampId, stamp.OwnerRelay)], stamp.CreatedAt).ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
        return created;
    }

    public Task<IReadOnlyList<TrainingStamp>> AccessibleAsync(string relayId, int offset, int limit) =>
        QueryAsync(
            $"""
            SELECT {Columns} FROM market.stamps WHERE stamp_id IN (SELECT stamp_id FROM market.stamp_access WHERE relay_id = $1)
            ORDER BY created_at DESC, stamp_id OFFSET $2 LIMIT $3
            """,
            relayId, offset, limit);

    public Task<IReadOnlyList<TrainingStamp>> BurnableAsync(string relayId, DateTimeOffset createdBy, int offset, int limit) =>
        QueryAsync(
            $"""
            SELECT {Columns} FROM market.stamps WHERE owner_relay = $1 AND status = 'active' AND created_at <= $2
            ORDER BY created_at, stamp_id OFFSET $3 LIMIT $4
            """,
            relayId, createdBy, offset, limit);

    public async Task<bool> MarkBurnedAsync(string stampId, long depositReturned, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE market.stamps SET status = 'burned', burned_at = $3, deposit_returned = $2 WHERE stamp_id = $1 AND status = 'active'");
        command.WithValues(stampId, depositReturned, now);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
    }

    public async Task<(StoredModel Model, bool Created)> InsertModelAsync(StoredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        bool created;
        await using (var command = new NpgsqlCommand(
            """
            WITH model AS (
                INSERT INTO market.models (model_hash, generation, submitted_by, win_rate, prediction_accuracy, style_consistency, request_hash, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING model_hash),
            links AS (
                INSERT INTO market.model_stamps (model_hash, stamp_id) SELECT model_hash, stamp FROM model, unnest($9::text[]) AS stamp),
            uses AS (
                UPDATE market.stamps SET uses = uses + 1 WHERE stamp_id = ANY($9) AND EXISTS (SELECT 1 FROM model))
            SELECT count(*) FROM model
            """, connection, transaction))
        {
            command.WithValues(model.ModelHash, model.Generation, model.SubmittedBy, model.Performance.WinRate, model.Performance.PredictionAccuracy,
                model.Performance.StyleConsistency, model.RequestHash, model.CreatedAt, model.StampIds.ToArray());
            created = (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))! == 1;
        }
        var stored = await ReadModelAsync(connection, transaction, model.ModelHash).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return (stored!, created);
    }

    public async Task<StoredModel?> GetModelAsync(string modelHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        return await ReadModelAsync(connection, null, modelHash).ConfigureAwait(false);
    }

    private static async Task<StoredModel?> ReadModelAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string modelHash)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT m.model_hash, m.generation, m.submitted_by, m.win_rate, m.prediction_accuracy, m.style_consistency, m.request_hash, m.created_at,
                   array(SELECT stamp_id FROM market.model_stamps s WHERE s.model_hash = m.model_hash ORDER BY stamp_id)
            FROM market.models m WHERE m.model_hash = $1
            """, connection, transaction);
        command.WithValues(modelHash);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            return null;
        }
        return new StoredModel(reader.GetString(0), reader.GetInt32(1), reader.GetString(2),
            new ModelPerformance(reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5)), reader.GetString(6),
            reader.GetFieldValue<string[]>(8), Utc(reader.GetDateTime(7)));
    }

    private async Task<IReadOnlyList<TrainingStamp>> QueryAsync(string sql, params object?[] values)
    {
        await using var command = dataSource.CreateCommand(sql).WithValues(values);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var stamps = new List<TrainingStamp>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            stamps.Add(new TrainingStamp(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetInt32(8),
                LedgerNames.Parse<GameClass>(reader.GetString(9)), JsonSerializer.Deserialize<GameFeatures>(reader.GetString(10), Json)!,
                reader.GetInt64(11), reader.GetInt32(12), LedgerNames.Parse<StampStatus>(reader.GetString(13)), Utc(reader.GetDateTime(14)),
                reader.IsDBNull(15) ? null : Utc(reader.GetDateTime(15)), reader.IsDBNull(16) ? null : reader.GetInt64(16)));
        }
        return stamps;
    }
}
