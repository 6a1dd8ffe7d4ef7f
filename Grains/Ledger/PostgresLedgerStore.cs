using System.Threading.Channels;
using Npgsql;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Flows;

namespace OrleansGoRelay.Grains.Ledger;

/// <summary>
/// The ledger in PostgreSQL (schema <c>ledger</c>, migration 0002). Concurrent submissions are group-committed: one
/// writer loop per silo takes everything queued (up to <see cref="MaxTransfersPerCommit"/> transfers), and in one
/// transaction locks the chain head (which orders all writers of all silos), reads what the batch touches, locks
/// its accounts in account-id order, runs the <see cref="LedgerEngine"/>, writes the transfers, refusals and
/// balances, and commits. Every caller is answered only after that commit, so an acknowledged transfer is durable.
/// </summary>
public sealed class PostgresLedgerStore : ILedgerStore, IAsyncDisposable
{
    /// <summary>The most transfers one transaction carries.</summary>
    public const int MaxTransfersPerCommit = 8192;

    private const string TransferColumns =
        "seq, transfer_id, kind, debit_account_id, credit_account_id, amount, currency, code, pending_id, reverses_id, reference, timeout_seconds, expires_at, created_at, prev_hash, hash";

    private const string AccountColumns =
        "account_id, kind, flags, currency, debits_posted, credits_posted, debits_pending, credits_pending, created_at";

    /// <summary>Pending transfers (alias p) past their timeout at $1 and not yet resolved.</summary>
    private const string ExpiredOpenPending =
        "p.kind = 'pending' AND p.expires_at <= $1 AND NOT EXISTS (SELECT 1 FROM ledger.transfers r WHERE r.pending_id = p.transfer_id)";

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _clock;
    private readonly Channel<Submission> _queue = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;

    /// <summary>A store on a data source whose database has migration 0002 applied.</summary>
    public PostgresLedgerStore(NpgsqlDataSource dataSource, TimeProvider clock)
    {
        _dataSource = dataSource;
        _clock = clock;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <inheritdoc />
    public async Task<(CreateAccountStatus Status, Account Account)> CreateAccountAsync(AccountSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await using var command = _dataSource.CreateCommand(
            $"""
            WITH inserted AS (
                INSERT INTO ledger.accounts (account_id, kind, flags, currency) VALUES ($1, $2, $3, $4)
                ON CONFLICT (account_id) DO NOTHING RETURNING {AccountColumns})
            SELECT true, {AccountColumns} FROM inserted
            UNION ALL SELECT false, {AccountColumns} FROM ledger.accounts WHERE account_id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)
            """);
        command.Parameters.Add(new() { Value = spec.AccountId });
        command.Parameters.Add(new() { Value = LedgerNames.Of(spec.Kind) });
        command.Parameters.Add(new() { Value = (int)spec.Flags });
        command.Parameters.Add(new() { Value = spec.Currency });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Account {spec.AccountId} was neither inserted nor found.");
        }

        var created = reader.GetBoolean(0);
        var account = ReadAccount(reader, 1);
        var status = created ? CreateAccountStatus.Created
            : account.Kind == spec.Kind && account.Flags == spec.Flags && account.Currency == spec.Currency ? CreateAccountStatus.Exists
            : CreateAccountStatus.ExistsWithDifferentFields;
        return (status, account);
    }

    /// <inheritdoc />
    public async Task<Account?> GetAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {AccountColumns} FROM ledger.accounts WHERE account_id = $1");
        command.Parameters.Add(new() { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadAccount(reader, 0) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TransferOutcome>> SubmitAsync(IReadOnlyList<TransferRequest> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var submission = new Submission(batch);
        await _queue.Writer.WriteAsync(submission, cancellationToken).ConfigureAwait(false);
        // Not cancellable once queued: the transaction may commit anyway, and the caller then learns the outcome.
        return await submission.Completion.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TransferOutcome?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var view = new PrefetchedView();
        await using (var batch = new NpgsqlBatch(connection))
        {
            AddOutcomeQueries(batch, [transferId]);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await view.ReadOutcomesAsync(reader, cancellationToken).ConfigureAwait(false);
        }

        return view.Outcomes.TryGetValue(transferId, out var recorded) ? new TransferOutcome(transferId, recorded.Result, recorded.Transfer) : null;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Transfer>> TransfersOfAsync(IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken = default) =>
        // Two index scans (transfers_debit, transfers_credit); a transfer between two of the accounts comes once.
        ReadTransfersAsync(
            $"SELECT {TransferColumns} FROM ledger.transfers WHERE debit_account_id = ANY($1) UNION SELECT {TransferColumns} FROM ledger.transfers WHERE credit_account_id = ANY($1) ORDER BY seq",
            [.. accountIds], null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Transfer>> TransfersReferencingAsync(IReadOnlyCollection<string> references, int code, CancellationToken cancellationToken = default) =>
        ReadTransfersAsync($"SELECT {TransferColumns} FROM ledger.transfers WHERE reference = ANY($1) AND code = $2 ORDER BY seq", [.. references], code, cancellationToken);

    private async Task<IReadOnlyList<Transfer>> ReadTransfersAsync(string sql, string[] keys, int? code, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = keys });
        if (code is { } value)
        {
            command.Parameters.Add(new() { Value = value });
        }
        var transfers = new List<Transfer>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            transfers.Add(ReadTransfer(reader, 0));
        }
        return transfers;
    }

    /// <inheritdoc />
    public async Task<bool> AddApiKeyAsync(byte[] keyHash, string accountId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO ledger.api_keys (key_hash, account_id) SELECT $1, account_id FROM ledger.accounts WHERE account_id = $2");
        command.Parameters.Add(new() { Value = keyHash });
        command.Parameters.Add(new() { Value = accountId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<string?> FindApiKeyAsync(byte[] keyHash, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT account_id FROM ledger.api_keys WHERE key_hash = $1");
        command.Parameters.Add(new() { Value = keyHash });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc />
    public async Task<int> ExpirePendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow();
        var view = new PrefetchedView();
        List<Transfer> expired = [];
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT last_seq, last_hash, last_time FROM ledger.chain_head FOR UPDATE"));
            var select = new NpgsqlBatchCommand($"SELECT {TransferColumns} FROM ledger.transfers p WHERE {ExpiredOpenPending} ORDER BY p.expires_at LIMIT $2");
            select.Parameters.Add(new() { Value = now });
            select.Parameters.Add(new() { Value = limit });
            batch.BatchCommands.Add(select);
            var accounts = new NpgsqlBatchCommand(
                $"""
                SELECT {AccountColumns} FROM ledger.accounts WHERE account_id IN (
                    SELECT unnest(ARRAY[p.debit_account_id, p.credit_account_id]) FROM ledger.transfers p WHERE {ExpiredOpenPending})
                ORDER BY account_id FOR UPDATE
                """);
            accounts.Parameters.Add(new() { Value = now });
            batch.BatchCommands.Add(accounts);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            view.Head = await ReadHeadAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                expired.Add(ReadTransfer(reader, 0));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await view.ReadAccountsAsync(reader, cancellationToken).ConfigureAwait(false);
        }

        if (expired.Count == 0)
        {
            return 0;
        }

        var engine = new LedgerEngine(view, view.Head, now);
        var count = expired.Count(engine.Expire);
        await WriteAsync(connection, transaction, engine, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CodeFlow>> FlowsAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        // TokenFlows.Sum's rule in SQL: immediate and post rows count, a reversal counts against its code; buckets
        // start on multiples of the bucket since the Unix epoch.
        await using var command = _dataSource.CreateCommand(
            """
            SELECT date_bin($2, created_at, timestamptz 'epoch') AS bucket, code,
                   sum(CASE WHEN reverses_id IS NULL THEN amount ELSE -amount END)::bigint, count(*)::int
            FROM ledger.transfers
            WHERE created_at >= $1 AND kind IN ('immediate', 'post') AND code = ANY($3)
            GROUP BY 1, 2 ORDER BY 1, 2
            """);
        command.Parameters.Add(new() { Value = since.ToUniversalTime() });
        command.Parameters.Add(new() { Value = bucket });
        command.Parameters.Add(new() { Value = TokenFlows.Codes.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var flows = new List<CodeFlow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            flows.Add(new CodeFlow(new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt32(3)));
        }
        return flows;
    }

    /// <inheritdoc />
    public async Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the chain, the accounts and the head, so a verification racing writers still sees a whole ledger.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var verifier = new LedgerVerifier();
        await using (var command = new NpgsqlCommand($"SELECT {TransferColumns} FROM ledger.transfers ORDER BY seq", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                verifier.Add(ReadTransfer(reader, 0));
            }
        }

        var accounts = new List<Account>();
        await using (var command = new NpgsqlCommand($"SELECT {AccountColumns} FROM ledger.accounts", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                accounts.Add(ReadAccount(reader, 0));
            }
        }

        ChainHead head;
        await using (var command = new NpgsqlCommand("SELECT last_seq, last_hash, last_time FROM ledger.chain_head", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            head = await ReadHeadAsync(reader, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return verifier.Finish(accounts, head);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<Submission>();
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            group.Clear();
            var transfers = 0;
            while (transfers < MaxTransfersPerCommit && reader.TryRead(out var submission))
            {
                group.Add(submission);
                transfers += submission.Batch.Count;
            }

            try
            {
                var outcomes = await CommitAsync(group, _stopping.Token).ConfigureAwait(false);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Completion.TrySetResult(outcomes[i]);
                }
            }
            catch (Exception e)
            {
                // Nothing of the group is known to be committed; each caller retries with the same ids, which is safe.
                group.ForEach(s => s.Completion.TrySetException(e));
            }
        }
    }

    private async Task<IReadOnlyList<TransferOutcome>[]> CommitAsync(List<Submission> group, CancellationToken cancellationToken)
    {
        var requests = group.SelectMany(s => s.Batch).ToList();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var view = await PrefetchAsync(connection, transaction, requests, cancellationToken).ConfigureAwait(false);
        var engine = new LedgerEngine(view, view.Head, _clock.GetUtcNow());
        var outcomes = group.Select(s => engine.Submit(s.Batch)).ToArray();
        await WriteAsync(connection, transaction, engine, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>One round trip: lock the head, then read every id, target and account the requests touch (accounts locked in id order).</summary>
    private static async Task<PrefetchedView> PrefetchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<TransferRequest> requests, CancellationToken cancellationToken)
    {
        var ids = requests.Select(r => r.TransferId).Distinct().ToArray();
        var targets = requests.SelectMany(r => new[] { r.PendingId, r.ReversesId }).OfType<string>().Distinct().ToArray();
        var accountIds = requests.SelectMany(r => new[] { r.DebitAccountId, r.CreditAccountId }).Where(a => a.Length > 0).Distinct().ToArray();
        var view = new PrefetchedView();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT last_seq, last_hash, last_time FROM ledger.chain_head FOR UPDATE"));
        AddOutcomeQueries(batch, ids);
        batch.BatchCommands.Add(Command($"SELECT {TransferColumns} FROM ledger.transfers WHERE transfer_id = ANY($1)", targets));
        batch.BatchCommands.Add(Command("SELECT pending_id, kind FROM ledger.transfers WHERE pending_id = ANY($1)", targets));
        batch.BatchCommands.Add(Command("SELECT reverses_id FROM ledger.transfers WHERE reverses_id = ANY($1)", targets));
        var accounts = Command(
            $"""
            SELECT {AccountColumns} FROM ledger.accounts
            WHERE account_id = ANY($1)
               OR account_id IN (SELECT unnest(ARRAY[debit_account_id, credit_account_id]) FROM ledger.transfers WHERE transfer_id = ANY($2))
            ORDER BY account_id FOR UPDATE
            """, accountIds);
        accounts.Parameters.Add(new() { Value = targets });
        batch.BatchCommands.Add(accounts);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        view.Head = await ReadHeadAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await view.ReadOutcomesAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var transfer = ReadTransfer(reader, 0);
            view.Transfers[transfer.TransferId] = transfer;
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            view.Resolutions[reader.GetString(0)] = LedgerNames.ParseTransferKind(reader.GetString(1));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            view.Reversed.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await view.ReadAccountsAsync(reader, cancellationToken).ConfigureAwait(false);
        return view;
    }

    private static void AddOutcomeQueries(NpgsqlBatch batch, string[] ids)
    {
        batch.BatchCommands.Add(Command(
            $"""
            SELECT request_hash, 'created', {TransferColumns} FROM ledger.transfers WHERE transfer_id = ANY($1)
            UNION ALL
            SELECT request_hash, result, NULL, transfer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM ledger.rejected_transfers WHERE transfer_id = ANY($1)
            """, ids));
    }

    /// <summary>Second round trip: the engine's transfers, refusals, changed balances and the new head.</summary>
    private static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerEngine engine, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var applied = engine.Applied;
        if (applied.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO ledger.transfers ({TransferColumns}, request_hash)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::int[],
                                     $9::text[], $10::text[], $11::text[], $12::int[], $13::timestamptz[], $14::timestamptz[], $15::bytea[], $16::bytea[], $17::bytea[])
                """);
            var t = applied.Select(a => a.Transfer).ToArray();
            Add(insert, t.Select(x => x.Sequence).ToArray());
            Add(insert, t.Select(x => x.TransferId).ToArray());
            Add(insert, t.Select(x => LedgerNames.Of(x.Kind)).ToArray());
            Add(insert, t.Select(x => x.DebitAccountId).ToArray());
            Add(insert, t.Select(x => x.CreditAccountId).ToArray());
            Add(insert, t.Select(x => x.Amount).ToArray());
            Add(insert, t.Select(x => x.Currency).ToArray());
            Add(insert, t.Select(x => x.Code).ToArray());
            Add(insert, t.Select(x => x.PendingId).ToArray());
            Add(insert, t.Select(x => x.ReversesId).ToArray());
            Add(insert, t.Select(x => x.Reference).ToArray());
            Add(insert, t.Select(x => x.TimeoutSeconds).ToArray());
            Add(insert, t.Select(x => x.ExpiresAt).ToArray());
            Add(insert, t.Select(x => x.CreatedAt).ToArray());
            Add(insert, t.Select(x => x.PreviousHash).ToArray());
            Add(insert, t.Select(x => x.Hash).ToArray());
            Add(insert, applied.Select(a => a.RequestHash).ToArray());
            batch.BatchCommands.Add(insert);
        }

        var rejected = engine.Rejected;
        if (rejected.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(
                """
                INSERT INTO ledger.rejected_transfers (transfer_id, kind, debit_account_id, credit_account_id, amount, currency, code,
                                                       pending_id, reverses_id, reference, timeout_seconds, result, request_hash, created_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::int[],
                                     $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $13::bytea[], $14::timestamptz[])
                """);
            var r = rejected.Select(x => x.Request).ToArray();
            Add(insert, r.Select(x => x.TransferId).ToArray());
            Add(insert, r.Select(x => LedgerNames.Of(x.Kind)).ToArray());
            Add(insert, r.Select(x => x.DebitAccountId).ToArray());
            Add(insert, r.Select(x => x.CreditAccountId).ToArray());
            Add(insert, r.Select(x => x.Amount).ToArray());
            Add(insert, r.Select(x => x.Currency).ToArray());
            Add(insert, r.Select(x => x.Code).ToArray());
            Add(insert, r.Select(x => x.PendingId).ToArray());
            Add(insert, r.Select(x => x.ReversesId).ToArray());
            Add(insert, r.Select(x => x.Reference).ToArray());
            Add(insert, r.Select(x => x.TimeoutSeconds).ToArray());
            Add(insert, rejected.Select(x => LedgerNames.Of(x.Result)).ToArray());
            Add(insert, rejected.Select(x => x.RequestHash).ToArray());
            Add(insert, rejected.Select(x => x.CreatedAt).ToArray());
            batch.BatchCommands.Add(insert);
        }

        var changed = engine.ChangedAccounts.ToArray();
        if (changed.Length > 0)
        {
            var update = new NpgsqlBatchCommand(
                """
                UPDATE ledger.accounts a
                SET debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dq, credits_pending = v.cq
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(id, dp, cp, dq, cq)
                WHERE a.account_id = v.id
                """);
            Add(update, changed.Select(x => x.AccountId).ToArray());
            Add(update, changed.Select(x => x.DebitsPosted).ToArray());
            Add(update, changed.Select(x => x.CreditsPosted).ToArray());
            Add(update, changed.Select(x => x.DebitsPending).ToArray());
            Add(update, changed.Select(x => x.CreditsPending).ToArray());
            batch.BatchCommands.Add(update);
        }

        if (applied.Count > 0)
        {
            var head = new NpgsqlBatchCommand("UPDATE ledger.chain_head SET last_seq = $1, last_hash = $2, last_time = $3");
            Add(head, engine.Head.Sequence);
            Add(head, engine.Head.Hash);
            Add(head, engine.Head.Time);
            batch.BatchCommands.Add(head);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, string[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new() { Value = values });
        return command;
    }

    private static void Add<T>(NpgsqlBatchCommand command, T value) => command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });

    private static async Task<ChainHead> ReadHeadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("ledger.chain_head has no row: migration 0002 is not applied.");
        }

        return new ChainHead(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    internal static Account ReadAccount(NpgsqlDataReader reader, int at) => new(
        reader.GetString(at),
        LedgerNames.ParseAccountKind(reader.GetString(at + 1)),
        (BalanceRules)reader.GetInt32(at + 2),
        reader.GetString(at + 3),
        reader.GetInt64(at + 4),
        reader.GetInt64(at + 5),
        reader.GetInt64(at + 6),
        reader.GetInt64(at + 7),
        reader.GetFieldValue<DateTimeOffset>(at + 8));

    internal static Transfer ReadTransfer(NpgsqlDataReader reader, int at) => new(
        reader.GetInt64(at),
        reader.GetString(at + 1),
        LedgerNames.ParseTransferKind(reader.GetString(at + 2)),
        reader.GetString(at + 3),
        reader.GetString(at + 4),
        reader.GetInt64(at + 5),
        reader.GetString(at + 6),
        reader.GetInt32(at + 7),
        reader.IsDBNull(at + 8) ? null : reader.GetString(at + 8),
        reader.IsDBNull(at + 9) ? null : reader.GetString(at + 9),
        reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10),
        reader.GetInt32(at + 11),
        reader.IsDBNull(at + 12) ? null : reader.GetFieldValue<DateTimeOffset>(at + 12),
        reader.GetFieldValue<DateTimeOffset>(at + 13),
        reader.GetFieldValue<byte[]>(at + 14),
        reader.GetFieldValue<byte[]>(at + 15));

    private sealed record Submission(IReadOnlyList<TransferRequest> Batch)
    {
        public TaskCompletionSource<IReadOnlyList<TransferOutcome>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What a transaction read of the ledger; the engine sees only this.</summary>
    private sealed class PrefetchedView : ILedgerView
    {
        public ChainHead Head { get; set; } = ChainHead.Empty;

        public Dictionary<string, Account> Accounts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, RecordedOutcome> Outcomes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Transfer> Transfers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, TransferKind> Resolutions { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Reversed { get; } = new(StringComparer.Ordinal);

        public Account? FindAccount(string accountId) => Accounts.GetValueOrDefault(accountId);

        public RecordedOutcome? FindOutcome(string transferId) => Outcomes.GetValueOrDefault(transferId);

        public Transfer? FindTransfer(string transferId) => Transfers.GetValueOrDefault(transferId) ?? Outcomes.GetValueOrDefault(transferId)?.Transfer;

        public TransferKind? FindResolution(string pendingId) => Resolutions.TryGetValue(pendingId, out var kind) ? kind : null;

        public bool IsReversed(string transferId) => Reversed.Contains(transferId);

        public async Task ReadOutcomesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var hash = reader.GetFieldValue<byte[]>(0);
                var result = LedgerNames.ParseResult(reader.GetString(1));
                var transfer = reader.IsDBNull(2) ? null : ReadTransfer(reader, 2);
                Outcomes[reader.GetString(3)] = new RecordedOutcome(hash, result, transfer);
            }
        }

        public async Task ReadAccountsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var account = ReadAccount(reader, 0);
                Accounts[account.AccountId] = account;
            }
        }
    }
}
