using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Grains.Hosting;
using OrleansGoRelay.Persistence.GrainStorage;
using OrleansGoRelay.Persistence.Migrations;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench runtime</c>, on Orleans: calls/s to cached activations from inside the silo and through Orleans'
/// client gateway (TCP), persisted writes/s across 1,000 grains through the group-commit storage and through Orleans'
/// ADO.NET storage, and pgbench's simple-update tps on the same server in the same run.
/// </summary>
internal static partial class RuntimeBenchmark
{
    /// <summary>The name the ADO.NET provider is registered under in the benchmark's silo.</summary>
    public const string AdoNetStorage = "adonet";

    public static Command Command()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time of each phase", DefaultValueFactory = _ => 5 };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: env GORELAY_CONNECTION, else .data/connection-string)" };
        var callers = new Option<int>("--callers") { Description = "Concurrent callers in the call phases", DefaultValueFactory = _ => 256 };
        var writers = new Option<int>("--writers") { Description = "Concurrent callers in the write phases", DefaultValueFactory = _ => 512 };
        var grains = new Option<int>("--grains") { Description = "Grains the callers spread over", DefaultValueFactory = _ => 1000 };
        var png = BenchPictures.PngOption();
        var command = new Command("runtime", "Orleans calls/s in the silo and through its gateway, persisted writes/s through both storage providers, beside pgbench's simple-update tps")
        {
            seconds, connection, callers, writers, grains, png,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var connectionString = BenchDatabase.ResolveConnectionString(parse.GetValue(connection));
            var grainCount = parse.GetValue(grains);
            Console.WriteLine($"gorelay bench runtime (Orleans): {Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per phase, {grainCount:N0} grains");
            var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_runtime");
            await using (var dataSource = NpgsqlDataSource.Create(database))
            {
                await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync(GrainsSchema.Migrations, cancellationToken);
            }
            using var silo = await StartSiloAsync(database, cancellationToken);
            var inSilo = silo.Services.GetRequiredService<IGrainFactory>();
            // Every target activated (its state read) before any phase: a call phase keeps both cores busy with calls
            // whose continuations stay on the thread pool's local queues, and the database reads' completions, queued
            // globally, would wait seconds behind them (measured: 16 s, then Npgsql's pool timeout).
            await Task.WhenAll(Enumerable.Range(0, grainCount).Select(i => inSilo.GetGrain<IBenchGrain>(i).Peek()));
            var figures = new List<BarRow>();
            await GrainToGrainCallsAsync(figures, inSilo, duration, parse.GetValue(callers), grainCount);
            await CallsAsync(figures, "in the silo, from outside grains (hosted client)", inSilo, duration, parse.GetValue(callers), grainCount);
            using (var client = await StartClientAsync(cancellationToken))
            {
                await CallsAsync(figures, "through the gateway (Orleans client, TCP)", client.Services.GetRequiredService<IClusterClient>(), duration, parse.GetValue(callers), grainCount);
                // Stopped before it is disposed, so it closes its gateway connection instead of reading on with a disposed container.
                await client.StopAsync(cancellationToken);
            }
            await WritesAsync(figures, database, inSilo, duration, parse.GetValue(writers), grainCount);
            if (await PgbenchAsync(connectionString, duration) is { } tps)
            {
                figures.Add(new BarRow("pgbench simple-update tps (reference)", tps));
            }
            if (parse.GetValue(png) is { } path)
            {
                BenchPictures.WriteBars(path, $"bench runtime: Orleans on PostgreSQL, {Environment.ProcessorCount} cores, {duration.TotalSeconds:0} s per phase", "per second", figures);
            }
            await silo.StopAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static readonly int SiloPort = Processes.ChildProcess.FreePort();
    private static readonly int GatewayPort = Processes.ChildProcess.FreePort();

    private static async Task<IHost> StartSiloAsync(string database, CancellationToken cancellationToken)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo
                .UseLocalhostClustering(SiloPort, GatewayPort)
                .AddGroupCommitGrainStorageAsDefault(options => options.ConnectionString = database)
                .AddAdoNetGrainStorage(AdoNetStorage, options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = database;
                }))
            .Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    private static async Task<IHost> StartClientAsync(CancellationToken cancellationToken)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(client =>
            {
                client.UseLocalhostClustering(GatewayPort);
                OrleansGoRelay.Grains.Serialization.WireRecordSerialization.AddWireRecordSerializer(client.Services);
            })
            .Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    /// <summary>Grain-to-grain calls inside the silo: one driver grain per core keeps calls in flight to cached activations.</summary>
    private static async Task GrainToGrainCallsAsync(List<BarRow> figures, IGrainFactory grains, TimeSpan duration, int callers, int grainCount)
    {
        // Several drivers per core: each driver's continuations run one at a time on its own activation.
        var drivers = Environment.ProcessorCount * 4;
        var perDriver = Math.Max(1, callers / drivers);
        // Warm-up: activates the targets and the drivers, JITs the paths.
        await Task.WhenAll(Enumerable.Range(0, drivers).Select(d => grains.GetGrain<IBenchDriverGrain>(d).Drive(grainCount, perDriver, DateTime.UtcNow.AddSeconds(1))));
        var runtime = RuntimeActivity.Start();
        var stopwatch = Stopwatch.StartNew();
        var until = DateTime.UtcNow + duration;
        var counts = await Task.WhenAll(Enumerable.Range(0, drivers).Select(d => grains.GetGrain<IBenchDriverGrain>(d).Drive(grainCount, perDriver, until)));
        stopwatch.Stop();
        Report(figures, "calls/s in the silo, grain to grain", new Measurement(counts.Sum(), 0, stopwatch.Elapsed) { Runtime = runtime.Describe(counts.Sum()) }, drivers * perDriver);
    }

    private static async Task CallsAsync(List<BarRow> figures, string where, IGrainFactory grains, TimeSpan duration, int callers, int grainCount)
    {
        // Every caller loops over its own share of grains: calls to cached activations, no storage, no turn contention.
        var calls = await MeasureAsync(duration, callers, caller => grains.GetGrain<IBenchGrain>(caller % grainCount).Peek());
        Report(figures, $"calls/s {where}", calls, callers);
    }

    private static async Task WritesAsync(List<BarRow> figures, string database, IGrainFactory grains, TimeSpan duration, int writers, int grainCount)
    {
        var counter = 0L;
        var groupCommit = await MeasureAsync(duration, writers, _ => grains.GetGrain<IBenchGrain>(Interlocked.Increment(ref counter) % grainCount).Increment());
        Report(figures, $"persisted writes/s, {grainCount:N0} grains, group-commit storage", groupCommit, writers);
        await VerifyStoredAsync(database, "SELECT coalesce(sum((state->>'value')::bigint), 0)::bigint FROM grain_state WHERE grain_type = 'bench'", groupCommit);

        var adoNet = await MeasureAsync(duration, writers, _ => grains.GetGrain<IAdoNetBenchGrain>(Interlocked.Increment(ref counter) % grainCount).Increment());
        Report(figures, $"persisted writes/s, {grainCount:N0} grains, Orleans ADO.NET storage", adoNet, writers);
        await VerifyStoredAsync(database, "SELECT count(*) FROM orleans_storage", null);
    }

    /// <summary>Every acknowledged write must be in the table (warm-up writes count too).</summary>
    private static async Task VerifyStoredAsync(string database, string sql, Measurement? writes)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var command = dataSource.CreateCommand(sql);
        var stored = (long)(await command.ExecuteScalarAsync())!;
        if (writes is null)
        {
            Console.WriteLine($"    rows stored {stored:N0}");
            return;
        }
        var acknowledged = writes.Operations + writes.WarmupOperations;
        Console.WriteLine($"    acknowledged {acknowledged:N0}, stored {stored:N0}{(stored == acknowledged ? "" : "  MISMATCH")}");
    }

    /// <summary>pgbench's simple-update on the same server, printed as the run's reference; its tps, or null when its output had none.</summary>
    internal static async Task<double?> PgbenchAsync(string connectionString, TimeSpan duration)
    {
        var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_pgbench");
        var builder = new NpgsqlConnectionStringBuilder(database);
        var pgbench = BenchDatabase.FindPostgresTool("pgbench");
        await BenchDatabase.RunToolAsync(pgbench, builder, ["-i", "-q", "-s", "10"]);
        var output = await BenchDatabase.RunToolAsync(pgbench, builder,
            ["-n", "-b", "simple-update", "-c", "16", "-j", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)]);
        var match = TpsPattern().Match(output);
        double? tps = match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        Console.WriteLine($"  {"pgbench simple-update tps, 16 clients, scale 10 (reference)",-62} {(tps is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) : "?"),12}");
        return tps;
    }

    internal sealed record Measurement(long Operations, long WarmupOperations, TimeSpan Elapsed)
    {
        /// <summary>What the runtime did meanwhile: collections, time paused by them, thread-pool threads at the end.</summary>
        public string Runtime { get; init; } = "";

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
                // Now and then through the thread pool's global queue: a caller's next call and the callee's turn are
                // queued locally, and a chain of local work items starves the global queue (the timers ending this
                // phase, the silo's own timers, I/O completions) for minutes on 2 cores.
                if ((mine + mineWarm) % 16 == 15)
                {
                    await Task.Yield();
                }
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
        var runtime = RuntimeActivity.Start();
        var stopwatch = Stopwatch.StartNew();
        Volatile.Write(ref phase, 1);
        await Task.Delay(duration);
        Volatile.Write(ref phase, 2);
        stopwatch.Stop();
        await Task.WhenAll(tasks); // each worker ends after its current call, so the counters below gain one call per worker at most
        return new Measurement(counted, warmup, stopwatch.Elapsed) { Runtime = runtime.Describe(counted) };
    }

    private static void Report(List<BarRow> figures, string what, Measurement measurement, int workers)
    {
        Console.WriteLine($"  {what,-62} {measurement.PerSecond,12:N0}   ({measurement.Operations:N0} in {measurement.Elapsed.TotalSeconds:0.0} s, {workers} workers; {measurement.Runtime})");
        figures.Add(new BarRow(what, measurement.PerSecond));
    }

    /// <summary>Garbage collections, their pauses and the thread pool over a phase, so a figure can be explained.</summary>
    private sealed record RuntimeActivity(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long WorkItems, TimeSpan Cpu, long StartedAt, long Exceptions)
    {
        private static long s_exceptions;
        private static string? s_lastException;

        static RuntimeActivity() => AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            Interlocked.Increment(ref s_exceptions);
            s_lastException = e.Exception.GetType().Name;
        };

        public static RuntimeActivity Start() =>
            new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), ThreadPool.CompletedWorkItemCount,
                Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp(), Interlocked.Read(ref s_exceptions));

        /// <summary>
        /// This process's share of the machine's cores, collections by generation and the time they paused the process,
        /// thread-pool work items per operation, and exceptions thrown (caught or not) with the last one's type.
        /// </summary>
        public string Describe(long operations)
        {
            var exceptions = Interlocked.Read(ref s_exceptions) - Exceptions;
            return $"CPU {(Process.GetCurrentProcess().TotalProcessorTime - Cpu) / Stopwatch.GetElapsedTime(StartedAt) / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores, " +
                $"GC {GC.CollectionCount(0) - Gen0}/{GC.CollectionCount(1) - Gen1}/{GC.CollectionCount(2) - Gen2} paused {(GC.GetTotalPauseDuration() - Paused).TotalMilliseconds:N0} ms, " +
                $"{(ThreadPool.CompletedWorkItemCount - WorkItems) / (double)Math.Max(1, operations):0.0} pool work items/op, " +
                $"{exceptions:N0} exceptions{(exceptions > 0 ? $" (last {s_lastException})" : "")}";
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsPattern();
}
