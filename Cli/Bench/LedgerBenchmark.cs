using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Grains.Hosting;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Persistence.Migrations;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench ledger</c>: transfers/s into the PostgreSQL ledger, one transfer per request (group-committed)
/// and in linked batches, over many accounts (uniform) and over a few (hot), beside pgbench's simple-update tps.
/// </summary>
internal static class LedgerBenchmark
{
    private const int UniformAccounts = 10_000;
    private const int HotAccounts = 8;

    public static Command Command()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time of each phase", DefaultValueFactory = _ => 5 };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: env GORELAY_CONNECTION, else .data/connection-string)" };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients sending one transfer per request", DefaultValueFactory = _ => 256 };
        var batchSize = new Option<int>("--batch") { Description = "Transfers per linked batch", DefaultValueFactory = _ => 1000 };
        var png = BenchPictures.PngOption();
        var command = new Command("ledger", "Transfers/s to the PostgreSQL ledger, single and batched, uniform and hot-account, beside pgbench") { seconds, connection, clients, batchSize, png };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var connectionString = BenchDatabase.ResolveConnectionString(parse.GetValue(connection));
            var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_ledger");
            Console.WriteLine($"gorelay bench ledger: {Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per phase, synchronous_commit on");
            await using var dataSource = NpgsqlDataSource.Create(database);
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync(GrainsSchema.Migrations, cancellationToken);
            await using var store = new PostgresLedgerStore(dataSource, TimeProvider.System);
            await CreateAccountsAsync(store);

            var single = parse.GetValue(clients);
            var batch = parse.GetValue(batchSize);
            List<BarRow> rows =
            [
                await PhaseAsync(store, duration, "single, uniform", single, 1, UniformAccounts),
                await PhaseAsync(store, duration, "single, hot", single, 1, HotAccounts),
                await PhaseAsync(store, duration, "batched, uniform", 4, batch, UniformAccounts),
                await PhaseAsync(store, duration, "batched, hot", 4, batch, HotAccounts),
            ];

            var verification = await store.VerifyAsync(cancellationToken);
            Console.WriteLine($"  verify: {verification.Transfers:N0} transfers, chain valid {verification.ChainValid}, balances match {verification.BalancesMatchEntries}, sum {verification.SumOfBalances}");
            if (await RuntimeBenchmark.PgbenchAsync(connectionString, duration) is { } tps)
            {
                rows.Add(new BarRow("pgbench simple-update tps (reference)", tps));
            }
            if (parse.GetValue(png) is { } path)
            {
                BenchPictures.WriteBars(path, $"bench ledger: transfers/s on PostgreSQL, {Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per phase", "per second", rows);
            }
            return verification.Valid ? 0 : 1;
        });
        return command;
    }

    private static async Task CreateAccountsAsync(PostgresLedgerStore store)
    {
        await Parallel.ForAsync(0, UniformAccounts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await store.CreateAccountAsync(SystemAccounts.Wallet(Account(i), AccountKind.Player), ct));
        for (var i = 0; i < UniformAccounts; i += 1000)
        {
            var funding = Enumerable.Range(i, 1000).Select(a => new TransferRequest($"fund-{a}", SystemAccounts.Treasury, Account(a), Mcp.Of(1_000), TransferCodes.Issuance)).ToList();
            await store.SubmitAsync(funding);
        }
    }

    private static async Task<BarRow> PhaseAsync(PostgresLedgerStore store, TimeSpan duration, string name, int clients, int batchSize, int accounts)
    {
        var next = 0L;
        var failed = 0L;
        var measurement = await RuntimeBenchmark.MeasureAsync(duration, clients, async client =>
        {
            var random = Random.Shared;
            var requests = new TransferRequest[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                var from = random.Next(accounts);
                var to = (from + 1 + random.Next(accounts - 1)) % accounts;
                requests[i] = new TransferRequest($"{name[..1]}{name[^1]}-{Interlocked.Increment(ref next)}", Account(from), Account(to), 1 + random.Next(1000), TransferCodes.Payment);
            }

            var outcomes = await store.SubmitAsync(requests);
            Interlocked.Add(ref failed, outcomes.Count(o => o.Result != TransferResult.Created));
            return outcomes.Count;
        });
        // MeasureAsync counts calls; each call carried batchSize transfers.
        var transfers = measurement.Operations * batchSize;
        Console.WriteLine($"  {"transfers/s, " + name + $" ({accounts:N0} accounts), " + (batchSize == 1 ? $"{clients} clients x 1" : $"{clients} clients x {batchSize} linked"),-70} {transfers / measurement.Elapsed.TotalSeconds,12:N0}   ({transfers:N0} in {measurement.Elapsed.TotalSeconds:0.0} s{(failed > 0 ? $", {failed:N0} refused" : "")})");
        return new BarRow($"{name}, {(batchSize == 1 ? $"{clients} x 1" : $"{clients} x {batchSize}")}", transfers / measurement.Elapsed.TotalSeconds);
    }

    private static string Account(int i) => $"bench-{i}";
}
