using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Runtime;
using OrleansGoRelay.Runtime.Testing;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench runtime</c>: calls/s to cached activations (in memory, no write), persisted writes/s to
/// PostgreSQL through the runtime, and pgbench's simple-update tps on the same server in the same run.
/// </summary>
internal static partial class RuntimeBenchmark
{
    public static Command Command()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time of each phase", DefaultValueFactory = _ => 5 };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: env GORELAY_CONNECTION, else .data/connection-string)" };
        var writers = new Option<int>("--writers") { Description = "Concurrent callers in the write phase, each on its own grain", DefaultValueFactory = _ => 512 };
        var command = new Command("runtime", "Calls/s to a cached activation and persisted writes/s to PostgreSQL, beside pgbench's simple-update tps") { seconds, connection, writers };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var connectionString = BenchDatabase.ResolveConnectionString(parse.GetValue(connection));
            Console.WriteLine($"gorelay bench runtime: {Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per phase");
            await CachedCallsAsync(duration);
            await PersistedWritesAsync(connectionString, duration, parse.GetValue(writers));
            await PgbenchAsync(connectionString, duration);
            return 0;
        });
        return command;
    }

    private static async Task CachedCallsAsync(TimeSpan duration)
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 1,
            ConfigureRuntime = runtime => runtime.AddGrains(typeof(BenchGrain).Assembly),
        });
        var grains = cluster.Client;
        var workers = Environment.ProcessorCount;

        // Each worker calls its own activation in a loop: the runtime path without turn contention.
        var own = await MeasureAsync(duration, workers, worker => grains.GetGrain<IBenchGrain>(worker).Peek());
        Report("calls/s, cached activations, 1 per worker, no write", own, workers);

        // All workers on one activation: every call queues for the same turn lock.
        var shared = grains.GetGrain<IBenchGrain>(1_000_000);
        var one = await MeasureAsync(duration, workers, _ => shared.Peek());
        Report("calls/s, one cached activation, all workers, no write", one, workers);
    }

    private static async Task PersistedWritesAsync(string connectionString, TimeSpan duration, int writers)
    {
        var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_runtime");
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 1,
            PostgresConnectionString = database,
            Migrations = GrainsSchema.Migrations,
            ConfigureRuntime = runtime => runtime.AddGrains(typeof(BenchGrain).Assembly),
        });
        var grains = cluster.Client;
        var writes = await MeasureAsync(duration, writers, writer => grains.GetGrain<IBenchGrain>(writer).Increment());

        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var count = dataSource.CreateCommand("SELECT coalesce(sum((state->>'value')::bigint), 0)::bigint FROM grain_state WHERE grain_type = 'bench'");
        var stored = (long)(await count.ExecuteScalarAsync())!;
        Report($"persisted writes/s, {writers} concurrent callers on own grains, group commit", writes, writers);
        // Every acknowledged write must be in the table (the warm-up writes are counted too).
        Console.WriteLine($"    acknowledged {writes.Operations + writes.WarmupOperations:N0}, stored {stored:N0}{(stored == writes.Operations + writes.WarmupOperations ? "" : "  MISMATCH")}");
    }

    internal static async Task PgbenchAsync(string connectionString, TimeSpan duration)
    {
        var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_pgbench");
        var builder = new NpgsqlConnectionStringBuilder(database);
        var pgbench = BenchDatabase.FindPostgresTool("pgbench");
        await BenchDatabase.RunToolAsync(pgbench, builder, ["-i", "-q", "-s", "10"]);
        var output = await BenchDatabase.RunToolAsync(pgbench, builder,
            ["-n", "-b", "simple-update", "-c", "16", "-j", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)]);
        var tps = TpsPattern().Match(output);
        Console.WriteLine($"  {"pgbench simple-update tps, 16 clients, scale 10 (reference)",-62} {(tps.Success ? double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture) : "?"),12}");
    }

    internal sealed record Measurement(long Operations, long WarmupOperations, TimeSpan Elapsed)
    {
        public double PerSecond => Operations / Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="workers"/> loops of <paramref name="call"/>: a short warm-up, then a timed phase.</summary>
    internal static async Task<Measurement> MeasureAsync(TimeSpan duration, int workers, Func<int, Task<long>> call)
    {
        long warmup = 0, counted = 0;
        var phase = 0; // 0 warm-up, 1 measuring, 2 done
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            long mine = 0, mineWarm = 0;
            while (Volatile.Read(ref phase) < 2)
            {
                await call(worker);
                if (Volatile.Read(ref phase) == 1)
                {
                    mine++;
                }
                else
                {
                    mineWarm++;
                }
            }

            Interlocked.Add(ref counted, mine);
            Interlocked.Add(ref warmup, mineWarm);
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();
        Volatile.Write(ref phase, 1);
        await Task.Delay(duration);
        Volatile.Write(ref phase, 2);
        stopwatch.Stop();
        await Task.WhenAll(tasks);
        return new Measurement(counted, warmup, stopwatch.Elapsed);
    }

    private static void Report(string what, Measurement measurement, int workers) =>
        Console.WriteLine($"  {what,-62} {measurement.PerSecond,12:N0}   ({measurement.Operations:N0} in {measurement.Elapsed.TotalSeconds:0.0} s, {workers} workers)");

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsPattern();
}
