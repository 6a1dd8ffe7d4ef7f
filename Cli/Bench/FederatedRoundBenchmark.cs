using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Federated.SecureAggregation;
using OrleansGoRelay.Learning.Federated.Validation;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench fl</c>: one federated round of simulated relays against the round protocol the round grain runs,
/// stage by stage: the server's time per stage and the bytes each relay sends and receives, then what a round of
/// 1,000 relays would take against the design's bound (rounds under 5 minutes with 1,000+ peers).
/// <para>The server is a minimal Kestrel host on 127.0.0.1 in this process with the gateway's routes
/// (<c>GET /api/v1/fl/rounds/{id}/task</c>, <c>POST …/ready|keys|shares|masked|unmask|updates</c>): it checks each
/// request's relay signature as the gateway does and applies each message to one <see cref="RoundProtocol"/> under a
/// lock, as the single-threaded round grain does (signatures of updates and advertisements checked), and closes each
/// stage once every relay that takes part in it answered. Each simulated relay (its own P-256 identity key, its own
/// HTTP requests) makes its messages as the relay trainer does (<c>FederatedTrainer.PrepareAsync</c>: secure-aggregation
/// client state exported and restored between stages, masked input of [w·Δ, w, 1], signed submissions), but without
/// local training: its Δ is a random vector of the model's length. Within a stage all relays fetch their task, then all
/// make their messages, then all post them, so the relays' crypto does not compete with the server's work for the
/// cores while it is timed.</para>
/// <para>Beside the loopback round, the same round of 1,000 relays runs in process without HTTP (the same messages,
/// the same signature checks), so the server's work at that size is measured, not only extrapolated.</para>
/// </summary>
internal static class FederatedRoundBenchmark
{
    private const int GamesPerRelay = 20;
    private const double PollSeconds = 0.5;
    private const double BoundSeconds = 300;
    private static readonly JsonSerializerOptions Json = ApiJson.Options;
    private static readonly JsonSerializerOptions Indented = new(ApiJson.Options) { WriteIndented = true };

    public static Command Command()
    {
        var clients = new Option<int>("--clients") { Description = "Simulated relays in the round over loopback HTTP", DefaultValueFactory = _ => 100 };
        var secure = new Option<bool>("--secure-aggregation") { Description = "Measure a secure-aggregation round; false measures a plain round of --codec updates", DefaultValueFactory = _ => true };
        var both = new Option<bool>("--both") { Description = "Measure the secure-aggregation round and the plain round" };
        var codec = new Option<string>("--codec") { Description = "The plain round's update codec: int8, top-k or none", DefaultValueFactory = _ => "int8" };
        var boardSize = new Option<int>("--board-size") { Description = "The model's board size", DefaultValueFactory = _ => 9 };
        var blocks = new Option<int>("--blocks") { Description = "The model's residual blocks", DefaultValueFactory = _ => 1 };
        var channels = new Option<int>("--channels") { Description = "The model's channels", DefaultValueFactory = _ => 8 };
        var valueHidden = new Option<int>("--value-hidden") { Description = "The model's value head width (the silo's genesis default)", DefaultValueFactory = _ => 32 };
        var dropout = new Option<double>("--dropout") { Description = "Also measure the secure round with this fraction of relays dropping out before their masked input (0: not)", DefaultValueFactory = _ => 0.1 };
        var direct = new Option<int>("--direct") { Description = "Relays of the in-process round (no HTTP) that measures the server's work at that size (0: not)", DefaultValueFactory = _ => 1000 };
        var target = new Option<int>("--target") { Description = "Relays the round-time estimate is for", DefaultValueFactory = _ => 1000 };
        var validation = new Option<string>("--validation-games") { Description = "SGF collection for the server's validation shard and one relay's local training (missing: both skipped)", DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "gnugo-regression.sgf.gz") };
        var positions = new Option<int>("--validation-positions") { Description = "Positions of the quick validation shard the aggregation scores on (the silo's default)", DefaultValueFactory = _ => 1000 };
        var deadline = new Option<int>("--deadline") { Description = "Stage deadline in seconds (RoundRequest's default): a stage someone drops out of waits for it", DefaultValueFactory = _ => 60 };
        var link = new Option<double>("--link-gbps") { Description = "The server's network link for the transfer time of the estimate, Gbit/s", DefaultValueFactory = _ => 1.0 };
        var threads = new Option<int>("--threads") { Description = "Threads for the simulated relays' work and the server's model work", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
        var seed = new Option<int>("--seed") { Description = "Seeds the updates and who drops out", DefaultValueFactory = _ => 1 };
        var aggregatePlain = new Option<bool>("--aggregate-plain") { Description = "Run the plain round's RoundAggregator (its Shapley estimate scores 20 x relays coalitions on the shard: minutes); otherwise it is estimated from one score" };
        var command = new Command("fl", "A federated round of simulated relays over loopback: server time per stage, bytes per relay, and the time a round of 1,000 relays would take")
        {
            clients, secure, both, codec, boardSize, blocks, channels, valueHidden, dropout, direct, target, validation, positions, deadline, link, threads, json, seed, aggregatePlain,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new BenchSettings(parse.GetValue(clients), parse.GetValue(secure), parse.GetValue(both), parse.GetValue(codec)!,
                new NetConfig(parse.GetValue(boardSize), parse.GetValue(blocks), parse.GetValue(channels), parse.GetValue(valueHidden)),
                parse.GetValue(dropout), parse.GetValue(direct), parse.GetValue(target), Path.GetFullPath(parse.GetValue(validation)!), parse.GetValue(positions),
                parse.GetValue(deadline), parse.GetValue(link), Math.Max(1, parse.GetValue(threads)), parse.GetValue(json), parse.GetValue(seed), parse.GetValue(aggregatePlain));
            return RunAsync(settings, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Clients < 3 || settings.Direct is < 0 or 1 or 2 || settings.Target < 3)
        {
            throw new CommandFailedException("--clients and --target are at least 3, --direct 0 or at least 3.");
        }
        if (settings.Dropout is < 0 or > 0.3)
        {
            throw new CommandFailedException("--dropout is 0 to 0.3 (secure aggregation needs more than two thirds of each neighbourhood).");
        }
        if (!UpdateCodecs.Names.Contains(settings.Codec.ToLowerInvariant()))
        {
            throw new CommandFailedException($"--codec is one of {string.Join(", ", UpdateCodecs.Names)}.");
        }
        TorchSharp.torch.set_num_threads(settings.Threads);
        var layout = ParameterLayout.Of(settings.Net);
        var global = layout.Initial(settings.Seed);
        var net = settings.Net;
        Say($"gorelay bench fl: {Environment.ProcessorCount} cores, {settings.Threads} threads; model {net.BoardSize}x{net.BoardSize} {net.Blocks}x{net.Channels} (value head {net.ValueHidden}), {layout.Length:N0} parameters");
        Say($"  each relay's update is a random vector of that length (no local training); its messages are made as the relay trainer makes them, and the server checks every signature");

        using var models = ServerModels.Load(settings, layout, global);
        var scenarios = new List<Scenario>();
        if (settings.Secure || settings.Both)
        {
            scenarios.Add(new Scenario("secure aggregation", true, 0, settings.Codec));
            if (settings.Dropout > 0)
            {
                scenarios.Add(new Scenario(Invariant($"secure aggregation, {settings.Dropout:P0} drop out before the masked input"), true, settings.Dropout, settings.Codec));
            }
        }
        if (!settings.Secure || settings.Both)
        {
            scenarios.Add(new Scenario($"plain round, {settings.Codec} updates", false, 0, settings.Codec));
        }

        // A small round first, unreported, so the first measured stages do not pay for compiling the code they run.
        using var cache = new PrefixCache();
        foreach (var scenario in scenarios)
        {
            await RunRoundAsync(settings with { AggregatePlain = false }, scenario, layout, global, models, 12, overHttp: true, cache, cancellationToken).ConfigureAwait(false);
        }
        var reports = new List<ScenarioReport>();
        var failed = false;
        foreach (var scenario in scenarios)
        {
            Say($"");
            Say($"{scenario.Name}");
            var loopback = await RunRoundAsync(settings, scenario, layout, global, models, settings.Clients, overHttp: true, cache, cancellationToken).ConfigureAwait(false);
            Print(loopback);
            RunReport? inProcess = null;
            if (settings.Direct > 0)
            {
                inProcess = await RunRoundAsync(settings, scenario, layout, global, models, settings.Direct, overHttp: false, cache, cancellationToken).ConfigureAwait(false);
                Print(inProcess);
            }
            var estimate = Estimate(settings, scenario, loopback, inProcess?.Relays == settings.Target ? inProcess : null, models);
            Print(estimate, settings);
            failed |= loopback.Problem is not null || inProcess?.Problem is not null;
            reports.Add(new ScenarioReport(scenario.Name, scenario.Secure, scenario.Secure ? null : scenario.Codec, scenario.Dropout, loopback, inProcess, estimate));
        }
        Say($"");
        Say($"not measured: the round grain writes each message to fl.round_messages (PostgreSQL) before it answers and appends gradient_received events; the gateway claims each request's nonce in the relay's grain and checks the ready stage's stamps; after aggregation the gate evaluates the candidate on the full shard, exports ONNX and settles rewards");
        if (settings.JsonPath is { } path)
        {
            var report = new BenchReport(Environment.ProcessorCount, settings.Threads, net, layout.Length, settings.Clients, settings.Target, settings.LinkGbps, settings.DeadlineSeconds, BoundSeconds, reports);
            await File.WriteAllBytesAsync(path, JsonSerializer.SerializeToUtf8Bytes(report, Indented), cancellationToken).ConfigureAwait(false);
            Say($"figures written to {path}");
        }
        return failed ? 1 : 0;
    }

    /// <summary>
    /// One round of <paramref name="count"/> relays, over loopback HTTP or in process. In process, the secure round
    /// without dropouts keeps its log and its relays' state up to the close of sharing (nobody has dropped out yet), and
    /// the round with dropouts starts from there: its protocol is rebuilt by replaying that log, as the round grain
    /// rebuilds a round on another silo after a crash.
    /// </summary>
    private static async Task<RunReport> RunRoundAsync(BenchSettings settings, Scenario scenario, ParameterLayout layout, float[] global, ServerModels models, int count, bool overHttp,
        PrefixCache cache, CancellationToken cancellationToken)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(settings.Seed).Shuffle(order);
        var dropping = order.Take((int)Math.Round(scenario.Dropout * count)).ToHashSet();
        var resumed = !overHttp && scenario.Secure && scenario.Dropout > 0 && cache.Prefix is { } p && p.Relays.Length == count ? p : null;
        var keep = !overHttp && scenario.Secure && scenario.Dropout == 0 && settings.Dropout > 0 && resumed is null;
        SimulatedRelay[] relays;
        RoundStart start;
        if (resumed is not null)
        {
            relays = resumed.Relays;
            start = resumed.Start;
            for (var i = 0; i < count; i++)
            {
                relays[i].Drops = dropping.Contains(i);
                relays[i].State = resumed.States[i];
            }
        }
        else
        {
            relays = new SimulatedRelay[count];
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = settings.Threads }, i => relays[i] = new SimulatedRelay(i, layout.Length, settings.Seed, dropping.Contains(i)));
            var now = DateTimeOffset.UtcNow;
            start = new RoundStart("bench-fl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), "bench-model", 2, now.AddHours(1), "fedavg", null,
                scenario.Secure, [.. relays.Select(r => r.RelayId)], new LocalTrainingPlan(), scenario.Codec, now);
        }
        using var host = new RoundHost(start, layout, relays) { Log = keep ? [] : null, MeasureParts = overHttp };
        double? replaySeconds = null;
        var figures = new List<StageReport>();
        if (resumed is not null)
        {
            replaySeconds = host.Replay(resumed.Log);
            figures.AddRange(resumed.Stages);
        }
        await using var server = overHttp ? await LoopbackServer.StartAsync(host).ConfigureAwait(false) : null;
        using var http = server is null ? null : new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = count, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = server.Address,
            Timeout = TimeSpan.FromMinutes(5),
        };
        string[] stages = scenario.Secure
            ? [RoundStages.Ready, RoundStages.Advertising, RoundStages.Sharing, RoundStages.Masking, RoundStages.Unmasking]
            : [RoundStages.Ready, RoundStages.Training];
        string? problem = null;
        var total = Stopwatch.StartNew();
        foreach (var stage in stages.Skip(figures.Count))
        {
            if (host.Protocol.Stage != stage)
            {
                problem = $"the round is at stage {host.Protocol.Stage}, not {stage}: {host.Protocol.FailureReason ?? host.Refusal}";
                break;
            }
            var stageFigures = new StageFigures(stage);
            host.Current = stageFigures;
            var active = relays.Where(r => !(r.Drops && stage is RoundStages.Masking or RoundStages.Unmasking)).ToList();
            foreach (var relay in active)
            {
                relay.Ticks = 0;
            }
            var clock = Stopwatch.StartNew();
            if (http is not null)
            {
                await LoopbackStageAsync(http, start, layout, stage, active, settings.Threads, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                InProcessStage(host, start, layout, stage, active, settings.Threads);
            }
            host.Close();
            stageFigures.WallSeconds = clock.Elapsed.TotalSeconds;
            figures.Add(stageFigures.Report([.. active.Select(r => r.Ticks)]));
            if (host.Refusal is not null)
            {
                problem = host.Refusal;
                break;
            }
            if (keep && stage == RoundStages.Sharing)
            {
                cache.Keep(new RoundPrefix(start, [.. host.Log!], relays, [.. relays.Select(r => r.State)], [.. figures]));
                host.Log = null;
            }
        }
        var wall = total.Elapsed.TotalSeconds + (resumed?.Stages.Sum(f => f.WallSeconds) ?? 0);
        problem ??= host.Protocol.Stage == RoundStages.Aggregating ? null : $"the round ended at stage {host.Protocol.Stage}: {host.Protocol.FailureReason}";

        AggregationReport? aggregation = null;
        string? check = null;
        if (problem is null)
        {
            check = Check(host.Protocol, relays, layout, scenario);
            // The plain round's Shapley estimate costs 20 x relays shard scores: run only when asked, and at the loopback size.
            if (models.Shard is { } shard && (scenario.Secure || overHttp && settings.AggregatePlain))
            {
                var clock = Stopwatch.StartNew();
                var outcome = RoundAggregator.Aggregate(host.Protocol, layout, global, null, shard);
                aggregation = new AggregationReport(clock.Elapsed.TotalSeconds, outcome.Seconds, outcome.Included.Count, outcome.Rejected.Count, outcome.Refused);
            }
        }
        if (!keep)
        {
            foreach (var relay in relays)
            {
                relay.Dispose();
            }
            if (resumed is not null)
            {
                cache.Forget();
            }
        }
        var plan = host.Protocol.Plan;
        return new RunReport(overHttp ? "loopback HTTP" : "in process, no HTTP", count, dropping.Count, plan?.Neighbours, plan?.Threshold,
            plan is null ? null : plan.Neighbours == 0 ? plan.Clients : plan.Neighbours + 1, figures, wall, replaySeconds, resumed?.Log.Count, aggregation, check, problem);
    }

    /// <summary>A stage over HTTP: every relay fetches its task, then makes its message, then posts it.</summary>
    private static async Task LoopbackStageAsync(HttpClient http, RoundStart start, ParameterLayout layout, string stage, List<SimulatedRelay> active, int threads,
        CancellationToken cancellationToken)
    {
        var all = new ParallelOptions { MaxDegreeOfParallelism = active.Count, CancellationToken = cancellationToken };
        var taskPath = $"/api/v1/fl/rounds/{start.RoundId}/task";
        await Parallel.ForEachAsync(active, all, async (relay, token) =>
        {
            var signing = Stopwatch.GetTimestamp();
            using var request = relay.Request(HttpMethod.Get, taskPath, []);
            relay.Ticks += Stopwatch.GetTimestamp() - signing;
            using var response = await http.SendAsync(request, token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CommandFailedException($"GET {taskPath} for {relay.RelayId}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
            }
            var parsing = Stopwatch.GetTimestamp();
            relay.Task = JsonSerializer.Deserialize<RoundTask>(bytes, Json);
            relay.Ticks += Stopwatch.GetTimestamp() - parsing;
        }).ConfigureAwait(false);
        Parallel.ForEach(active, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, relay => relay.Prepare(start, layout));
        var path = $"/api/v1/fl/rounds/{start.RoundId}/{Segment(stage)}";
        await Parallel.ForEachAsync(active, all, async (relay, token) =>
        {
            var body = relay.Body ?? throw new CommandFailedException($"{relay.RelayId} had nothing to send in stage {stage} (task: {JsonSerializer.Serialize(relay.Task, Json)}).");
            var signing = Stopwatch.GetTimestamp();
            using var request = relay.Request(HttpMethod.Post, path, body);
            relay.Ticks += Stopwatch.GetTimestamp() - signing;
            using var response = await http.SendAsync(request, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var problem = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
                throw new CommandFailedException($"POST {path} for {relay.RelayId}: {(int)response.StatusCode} {problem}");
            }
            relay.Body = null;
        }).ConfigureAwait(false);
    }

    /// <summary>A stage in process: the same messages and checks without HTTP, the server's part on one thread at a time.</summary>
    private static void InProcessStage(RoundHost host, RoundStart start, ParameterLayout layout, string stage, List<SimulatedRelay> active, int threads)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var taskPath = $"/api/v1/fl/rounds/{start.RoundId}/task";
        Parallel.ForEach(active, parallel, relay =>
        {
            var signing = Stopwatch.GetTimestamp();
            var headers = relay.Sign(HttpMethods.Get, taskPath, []);
            relay.Ticks += Stopwatch.GetTimestamp() - signing;
            if (!host.Authenticate(headers, HttpMethods.Get, taskPath, []))
            {
                throw new CommandFailedException($"{relay.RelayId}'s signed request did not verify.");
            }
            var json = host.Task(relay.RelayId);
            var parsing = Stopwatch.GetTimestamp();
            relay.Task = JsonSerializer.Deserialize<RoundTask>(json, Json);
            relay.Ticks += Stopwatch.GetTimestamp() - parsing;
        });
        var path = $"/api/v1/fl/rounds/{start.RoundId}/{Segment(stage)}";
        var kind = KindOf(Segment(stage));
        var batch = 4 * threads;
        for (var first = 0; first < active.Count; first += batch)
        {
            var members = active.GetRange(first, Math.Min(batch, active.Count - first));
            Parallel.ForEach(members, parallel, relay =>
            {
                relay.Prepare(start, layout);
                var signing = Stopwatch.GetTimestamp();
                relay.Headers = relay.Body is { } body ? relay.Sign(HttpMethods.Post, path, body) : null;
                relay.Ticks += Stopwatch.GetTimestamp() - signing;
            });
            foreach (var relay in members)
            {
                var body = relay.Body ?? throw new CommandFailedException($"{relay.RelayId} had nothing to send in stage {stage}.");
                if (!host.Authenticate(relay.Headers!, HttpMethods.Post, path, body))
                {
                    throw new CommandFailedException($"{relay.RelayId}'s signed request did not verify.");
                }
                if (host.Receive(kind, relay.RelayId, body) is null)
                {
                    return; // refused: the caller reports it
                }
                relay.Body = null;
            }
        }
    }

    /// <summary>Whether the round's result is what the relays sent: the secure sum against the exact sum of the survivors' inputs, or every plain update received.</summary>
    private static string Check(RoundProtocol protocol, SimulatedRelay[] relays, ParameterLayout layout, Scenario scenario)
    {
        if (!scenario.Secure)
        {
            return Invariant($"{protocol.PlainUpdates.Count:N0} of {relays.Length:N0} plain updates received and decoded");
        }
        var sum = protocol.SecureSum!;
        var survivors = relays.Where(r => !r.Drops).ToList();
        var exact = new double[layout.Length + 2];
        foreach (var relay in survivors)
        {
            var input = Learning.Federated.Rounds.SecureInput.Of(relay.Delta, SimulatedRelay.Metrics.Examples, null);
            for (var j = 0; j < exact.Length; j++)
            {
                exact[j] += input[j];
            }
        }
        var worst = 0.0;
        var within = true;
        for (var j = 0; j < exact.Length; j++)
        {
            var error = Math.Abs(sum.Sum[j] - exact[j]);
            worst = Math.Max(worst, error);
            within &= error <= sum.ErrorBound + Math.Abs(exact[j]) * 6e-8;
        }
        var included = protocol.SecureSurvivors.ToHashSet(StringComparer.Ordinal);
        var right = included.Count == survivors.Count && survivors.All(r => included.Contains(r.RelayId));
        return Invariant($"secure sum of {sum.Survivors:N0} survivors {(right ? "(the right ones)" : "(NOT the relays that sent masked inputs)")}, max error {worst:G3} {(within ? "within" : "EXCEEDS")} its bound {sum.ErrorBound:G3}");
    }

    private static void Print(RunReport run)
    {
        var graph = run.Neighbours switch
        {
            null => "no secure aggregation",
            0 => Invariant($"complete graph, threshold {run.Threshold} of {run.Neighbourhood}"),
            var k => Invariant($"{k}-regular Harary graph, threshold {run.Threshold} of {run.Neighbourhood}"),
        };
        Say($"  {run.Relays:N0} relays, {run.Mode}; {graph}; {run.Dropped:N0} drop out; wall {run.WallSeconds:0.0} s");
        if (run.ReplaySeconds is { } replay)
        {
            Say($"    ready, advertising and sharing are the round's without dropouts (nobody has dropped out yet): its log of {run.ReplayedMessages:N0} messages replayed into a new protocol in {replay:0.000} s, as the grain rebuilds a round after a crash");
        }
        Say($"    {"stage",-11} {"relays",6} {"round s",9} {"close s",8} {"gateway s",9} {"server ms/relay",15} {"up B/relay",11} {"down B/relay",12} {"relay ms",9} {"p99",7} {"wall s",7}");
        foreach (var s in run.Stages)
        {
            Say($"    {s.Stage,-11} {s.Relays,6:N0} {s.RoundSeconds,9:0.000} {s.CloseSeconds,8:0.000} {s.GatewaySeconds,9:0.000} {s.ServerMsPerRelay,15:0.000} {s.UpBytesPerRelay,11:N0} {s.DownBytesPerRelay,12:N0} {s.RelayMsMean,9:0.0} {s.RelayMsP99,7:0.0} {s.WallSeconds,7:0.00}");
        }
        var server = run.Stages.Sum(s => s.RoundSeconds + s.CloseSeconds + s.GatewaySeconds);
        Say($"    {"total",-11} {"",6} {run.Stages.Sum(s => s.RoundSeconds),9:0.000} {run.Stages.Sum(s => s.CloseSeconds),8:0.000} {run.Stages.Sum(s => s.GatewaySeconds),9:0.000} {server * 1000 / run.Relays,15:0.000} {run.Stages.Sum(s => s.UpBytesPerRelay),11:N0} {run.Stages.Sum(s => s.DownBytesPerRelay),12:N0} {run.Stages.Sum(s => s.RelayMsMean),9:0.0} {"",7} {run.Stages.Sum(s => s.WallSeconds),7:0.00}");
        Say($"    round s: RoundProtocol.Apply and TaskFor (serial, as in the round grain); close s: closing the stage; gateway s: relay signature checks and the JSON of tasks and receipts (parallel); relay ms: one relay's own work (crypto, encoding, signing), mean and p99");
        if (run.Aggregation is { } a)
        {
            var steps = string.Join(", ", a.Steps.Select(p => Invariant($"{p.Key} {p.Value:0.000}")));
            Say($"    aggregation (RoundAggregator on the quick shard): {a.Seconds:0.000} s ({steps}); {a.Included:N0} included, {a.Rejected:N0} rejected{(a.Refused is null ? "" : "; refused: " + a.Refused)}");
        }
        if (run.Check is not null)
        {
            Say($"    check: {run.Check}");
        }
        if (run.Problem is not null)
        {
            Say($"    FAILED: {run.Problem}");
        }
    }

    /// <summary>
    /// The round at <see cref="BenchSettings.Target"/> relays: each stage's figures per relay from the loopback round
    /// scaled by how the stage grows with the relays n and the neighbourhood k + 1 (see <see cref="Growth"/>), beside the
    /// in-process round's measured figures at that size when it ran; the round time adds, per stage, the server's work
    /// (on one core), the slowest relay's work, the transfer over the server's link and a poll interval.
    /// </summary>
    private static EstimateReport Estimate(BenchSettings settings, Scenario scenario, RunReport from, RunReport? measured, ServerModels models)
    {
        var n = from.Relays;
        var target = settings.Target;
        var neighbourhood = Neighbourhood(n);
        var targetNeighbourhood = Neighbourhood(target);
        var stages = new List<StageEstimate>();
        foreach (var s in from.Stages)
        {
            var g = Growth(scenario, s.Stage, n, target, neighbourhood, targetNeighbourhood);
            var relays = s.Relays * (double)target / n;
            // A task grows with what it carries: every relay's advertisement and the survivors' list with n, the bundles addressed to the relay with k.
            var parts = (s.AdvertisementBytesPerRelay ?? 0) + (s.SurvivorBytesPerRelay ?? 0) + (s.BundleBytesPerRelay ?? 0);
            var down = s.DownBytesPerRelay - parts + ((s.AdvertisementBytesPerRelay ?? 0) + (s.SurvivorBytesPerRelay ?? 0)) * target / n
                + (s.BundleBytesPerRelay ?? 0) * (targetNeighbourhood - 1.0) / (neighbourhood - 1.0);
            var task = down / Math.Max(1, s.DownBytesPerRelay);
            var server = (s.ApplySeconds / s.Relays * g.Message + s.TaskSeconds / s.Relays * task + s.AuthSeconds / s.Relays * g.Message + s.JsonSeconds / s.Relays * task) * relays
                + s.CloseSeconds * g.Close;
            var up = s.UpBytesPerRelay * g.Message;
            var relayMs = s.RelayMsP99 * g.Relay;
            var m = measured?.Stages.FirstOrDefault(x => x.Stage == s.Stage);
            var useServer = m is null ? server : m.RoundSeconds + m.CloseSeconds + m.GatewaySeconds;
            var useUp = m?.UpBytesPerRelay ?? up;
            var useDown = m?.DownBytesPerRelay ?? down;
            var useRelay = m?.RelayMsP99 ?? relayMs;
            var transfer = relays * (useUp + useDown) * 8 / (settings.LinkGbps * 1e9);
            var total = useServer + useRelay / 1000 + transfer + PollSeconds;
            stages.Add(new StageEstimate(s.Stage, server, m is null ? null : m.RoundSeconds + m.CloseSeconds + m.GatewaySeconds, up, down, m?.UpBytesPerRelay, m?.DownBytesPerRelay,
                relayMs, m?.RelayMsP99, transfer, total));
        }

        // Aggregation: a secure sum is scored twice whatever n; a plain round validates each update (n scores) and
        // estimates Shapley values over 20 permutations (20·n scores of coalitions' means, whose averaging grows as n²).
        double? aggregation = null;
        string aggregationBasis;
        if (measured?.Aggregation is { } ma)
        {
            aggregation = ma.Seconds;
            aggregationBasis = Invariant($"measured at {target:N0}");
        }
        else if (from.Aggregation is { } fa && scenario.Secure)
        {
            aggregation = fa.Seconds;
            aggregationBasis = Invariant($"measured at {n:N0} (two shard scores, whatever the relays)");
        }
        else if (from.Aggregation is { } pa && models.ScoreSeconds is { } score)
        {
            var ratio = (double)target / n;
            var validation = pa.Steps.GetValueOrDefault("validation") * ratio;
            var rule = pa.Steps.GetValueOrDefault("aggregation") * ratio;
            var contributions = pa.Steps.GetValueOrDefault("contributions");
            var scores = 20.0 * pa.Included;
            var averaging = Math.Max(0, contributions - scores * score);
            aggregation = validation + rule + scores * ratio * score + averaging * ratio * ratio;
            aggregationBasis = Invariant($"extrapolated from {n:N0}: validation and the rule x{ratio:0.#}, Shapley's {scores * ratio:N0} shard scores at {score * 1000:0.0} ms, its averaging x{ratio * ratio:0}");
        }
        else if (!scenario.Secure && models.ScoreSeconds is { } one)
        {
            // What RoundAggregator scores: the round's loss before, each update once (the validator), 20 permutations of Shapley coalitions.
            var scores = 1 + target + 20.0 * target;
            aggregation = scores * one;
            aggregationBasis = Invariant($"estimated: {scores:N0} shard scores (1 + n validator + 20 n Shapley coalitions) at {one * 1000:0.0} ms each, the coalitions' averaging not counted; --aggregate-plain runs it at {n:N0}");
        }
        else
        {
            aggregationBasis = "not measured (no validation games)";
        }
        var training = models.TrainingSeconds;
        var wait = scenario.Dropout > 0 ? settings.DeadlineSeconds : 0;
        var round = stages.Sum(s => s.StageSeconds) + (aggregation ?? 0) + (training ?? 0) + wait;
        return new EstimateReport(target, measured is not null, stages, aggregation, aggregationBasis, training, wait, round, BoundSeconds, round < BoundSeconds);
    }

    /// <summary>
    /// How one relay's part of a stage grows from n to n' relays with neighbourhoods of h and h' (k + 1; n itself up to
    /// 40 relays, the complete graph): the message and its server work, the stage's close, and the relay's own work
    /// (the task grows with its measured parts, see <see cref="Estimate"/>).
    /// </summary>
    private static (double Message, double Close, double Relay) Growth(Scenario scenario, string stage, int n, int target, int h, int targetH)
    {
        var relays = (double)target / n;
        var neighbours = (targetH - 1.0) / (h - 1.0);
        return stage switch
        {
            // Closing the ready stage builds the secure-aggregation server and its n·k graph.
            RoundStages.Ready => (1, scenario.Secure ? relays * neighbours : relays, 1),
            RoundStages.Advertising => (1, relays, 1),
            // Each relay shares with its k neighbours; the close routes n·k bundles.
            RoundStages.Sharing => (neighbours, relays * neighbours, neighbours),
            // A masked input is the model's length; masking expands k + 1 masks.
            RoundStages.Masking => (1, relays, (double)targetH / h),
            // Shares of k neighbours; the close expands a mask per survivor and per dropped-survivor pair.
            RoundStages.Unmasking => (neighbours, UnmaskGrowth(scenario.Dropout, n, target, h, targetH), neighbours),
            _ => (1, relays, 1),
        };
    }

    private static double UnmaskGrowth(double dropout, int n, int target, int h, int targetH)
    {
        static double Expansions(double dropout, int relays, int h) => relays * (1 - dropout) + relays * dropout * (h - 1) * (1 - dropout);
        return Expansions(dropout, target, targetH) / Expansions(dropout, n, h);
    }

    /// <summary>The closed neighbourhood the round protocol picks for n ready relays (its <c>NeighboursFor</c>: the complete graph up to 40).</summary>
    private static int Neighbourhood(int relays)
    {
        if (relays <= 40)
        {
            return relays;
        }
        var k = Math.Max(20, (int)Math.Ceiling(4 * Math.Log2(relays)));
        k += k % 2;
        return Math.Min(k, relays - 1 - ((relays - 1) % 2)) + 1;
    }

    private static void Print(EstimateReport e, BenchSettings settings)
    {
        Say($"  estimate for {e.Relays:N0} relays{(e.ServerMeasured ? Invariant($" (server work, bytes and relay work measured in process at {e.Relays:N0}; beside it the extrapolation from {settings.Clients:N0})") : Invariant($" (extrapolated from {settings.Clients:N0})"))}");
        Say($"    {"stage",-11} {"server s est.",13} {"measured",9} {"up B/relay",11} {"measured",10} {"down B/relay",12} {"measured",10} {"relay p99 ms",13} {"measured",9} {"transfer s",10} {"stage s",8}");
        foreach (var s in e.Stages)
        {
            Say($"    {s.Stage,-11} {s.ServerSecondsEstimated,13:0.000} {Opt(s.ServerSecondsMeasured, "0.000"),9} {s.UpBytesEstimated,11:N0} {Opt(s.UpBytesMeasured, "N0"),10} {s.DownBytesEstimated,12:N0} {Opt(s.DownBytesMeasured, "N0"),10} {s.RelayMsEstimated,13:0.0} {Opt(s.RelayMsMeasured, "0.0"),9} {s.TransferSeconds,10:0.00} {s.StageSeconds,8:0.00}");
        }
        Say($"    stage s = server work (on one core; measured where measured) + a slow relay's work (p99) + transfer of every relay's bytes over {settings.LinkGbps:0.#} Gbit/s + a {PollSeconds} s poll");
        Say($"    aggregation: {(e.AggregationSeconds is { } a ? Invariant($"{a:0.00} s") : "-")} ({e.AggregationBasis})");
        Say($"    one relay's local training (the round's default plan, {new LocalTrainingPlan().Steps} steps of {new LocalTrainingPlan().BatchSize}): {(e.TrainingSeconds is { } t ? Invariant($"{t:0.00} s, measured here") : "not measured (no validation games)")}");
        if (e.DeadlineWaitSeconds > 0)
        {
            Say($"    relays that drop out never answer: the masking stage waits for its {e.DeadlineWaitSeconds:0} s deadline");
        }
        Say($"    round of {e.Relays:N0} relays (an estimate): {e.RoundSeconds:0.0} s against the bound of {e.BoundSeconds:0} s: {(e.WithinBound ? "within" : "OVER")}");
    }

    private static string Opt(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Segment(string stage) => stage switch
    {
        RoundStages.Ready => "ready",
        RoundStages.Advertising => "keys",
        RoundStages.Sharing => "shares",
        RoundStages.Masking => "masked",
        RoundStages.Unmasking => "unmask",
        _ => "updates",
    };

    private static string KindOf(string segment) => segment switch
    {
        "ready" => RoundMessageKinds.Ready,
        "keys" => RoundMessageKinds.Keys,
        "shares" => RoundMessageKinds.Shares,
        "masked" => RoundMessageKinds.Masked,
        "unmask" => RoundMessageKinds.Unmask,
        "updates" => RoundMessageKinds.Update,
        _ => "",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Say(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));

    private sealed record BenchSettings(int Clients, bool Secure, bool Both, string Codec, NetConfig Net, double Dropout, int Direct, int Target, string ValidationGames,
        int ValidationPositions, int DeadlineSeconds, double LinkGbps, int Threads, string? JsonPath, int Seed, bool AggregatePlain);

    private sealed record Scenario(string Name, bool Secure, double Dropout, string Codec);

    private sealed record BenchReport(int Cores, int Threads, NetConfig Model, int Parameters, int Clients, int Target, double LinkGbps, int DeadlineSeconds, double BoundSeconds,
        IReadOnlyList<ScenarioReport> Scenarios);

    private sealed record ScenarioReport(string Name, bool SecureAggregation, string? Codec, double Dropout, RunReport Loopback, RunReport? InProcess, EstimateReport Estimate);

    private sealed record RunReport(string Mode, int Relays, int Dropped, int? Neighbours, int? Threshold, int? Neighbourhood, IReadOnlyList<StageReport> Stages, double WallSeconds,
        double? ReplaySeconds, int? ReplayedMessages, AggregationReport? Aggregation, string? Check, string? Problem);

    /// <summary>An in-process round up to the close of sharing: its log, its relays and their secure-aggregation state, and its stages' figures.</summary>
    private sealed record RoundPrefix(RoundStart Start, IReadOnlyList<RoundMessage> Log, SimulatedRelay[] Relays, byte[]?[] States, IReadOnlyList<StageReport> Stages);

    /// <summary>Holds the prefix of the round without dropouts for the round with them; disposes the relays it holds.</summary>
    private sealed class PrefixCache : IDisposable
    {
        public RoundPrefix? Prefix { get; private set; }

        public void Keep(RoundPrefix prefix)
        {
            Forget();
            Prefix = prefix;
        }

        /// <summary>Drops the prefix once the round with dropouts took its relays over (and disposed them).</summary>
        public void Forget() => Prefix = null;

        public void Dispose()
        {
            foreach (var relay in Prefix?.Relays ?? [])
            {
                relay.Dispose();
            }
            Prefix = null;
        }
    }

    /// <summary>A stage's figures; the task's parts (advertisements, survivors, bundles) are measured over loopback only, to extrapolate from.</summary>
    private sealed record StageReport(string Stage, int Relays, int Tasks, double ApplySeconds, double TaskSeconds, double CloseSeconds, double AuthSeconds, double JsonSeconds,
        double UpBytesPerRelay, double DownBytesPerRelay, double? AdvertisementBytesPerRelay, double? SurvivorBytesPerRelay, double? BundleBytesPerRelay,
        double RelayMsMean, double RelayMsP99, double RelayMsMax, double WallSeconds)
    {
        public double RoundSeconds => ApplySeconds + TaskSeconds;

        public double GatewaySeconds => AuthSeconds + JsonSeconds;

        public double ServerMsPerRelay => (RoundSeconds + CloseSeconds + GatewaySeconds) * 1000 / Math.Max(1, Relays);
    }

    private sealed record AggregationReport(double Seconds, IReadOnlyDictionary<string, double> Steps, int Included, int Rejected, string? Refused);

    private sealed record StageEstimate(string Stage, double ServerSecondsEstimated, double? ServerSecondsMeasured, double UpBytesEstimated, double DownBytesEstimated,
        double? UpBytesMeasured, double? DownBytesMeasured, double RelayMsEstimated, double? RelayMsMeasured, double TransferSeconds, double StageSeconds);

    private sealed record EstimateReport(int Relays, bool ServerMeasured, IReadOnlyList<StageEstimate> Stages, double? AggregationSeconds, string AggregationBasis,
        double? TrainingSeconds, double DeadlineWaitSeconds, double RoundSeconds, double BoundSeconds, bool WithinBound);

    /// <summary>What one stage cost, gathered from every thread.</summary>
    private sealed class StageFigures(string stage)
    {
        public long ApplyTicks;
        public long TaskTicks;
        public long CloseTicks;
        public long AuthTicks;
        public long JsonTicks;
        public long UpBytes;
        public long DownBytes;
        public long AdvertisementBytes;
        public long SurvivorBytes;
        public long BundleBytes;
        public int Relays;
        public int Tasks;

        public string Stage { get; } = stage;

        public double WallSeconds { get; set; }

        public bool PartsMeasured { get; set; }

        /// <summary>The stage's report, with each relay's own work (<paramref name="relayTicks"/>).</summary>
        public StageReport Report(IReadOnlyList<long> relayTicks)
        {
            var relays = Math.Max(1, Relays);
            var ms = relayTicks.Select(t => Seconds(t) * 1000).Order().ToList();
            double? Part(long bytes) => PartsMeasured ? (double)bytes / relays : null;
            return new StageReport(Stage, Relays, Tasks, Seconds(ApplyTicks), Seconds(TaskTicks), Seconds(CloseTicks), Seconds(AuthTicks), Seconds(JsonTicks),
                (double)UpBytes / relays, (double)DownBytes / relays, Part(AdvertisementBytes), Part(SurvivorBytes), Part(BundleBytes),
                ms.Count == 0 ? 0 : ms.Average(), Quantiles.Of(ms, 0.99), ms.Count == 0 ? 0 : ms[^1], WallSeconds);
        }

        private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
    }

    /// <summary>
    /// The server's side of the round: one protocol under one lock (the round grain runs one message at a time), the
    /// relays' registered keys (one copy for the gateway's checks, one for the protocol's), and the figures of the stage.
    /// </summary>
    private sealed class RoundHost : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, ECDsa> _gatewayKeys;
        private readonly Dictionary<string, ECDsa> _roundKeys;

        public RoundHost(RoundStart start, ParameterLayout layout, IEnumerable<SimulatedRelay> relays)
        {
            var list = relays.ToList();
            _gatewayKeys = list.ToDictionary(r => r.RelayId, r => r.PublicKey(), StringComparer.Ordinal);
            _roundKeys = list.ToDictionary(r => r.RelayId, r => r.PublicKey(), StringComparer.Ordinal);
            Protocol = new RoundProtocol(start, layout, id => _roundKeys.GetValueOrDefault(id), clipNorm: null);
        }

        public RoundProtocol Protocol { get; }

        public StageFigures Current { get; set; } = new("none");

        /// <summary>When set, every message applied (closes included) is added to it.</summary>
        public List<RoundMessage>? Log { get; set; }

        /// <summary>Whether to measure the JSON of each task's advertisements, survivors and bundles (outside the timed work).</summary>
        public bool MeasureParts { get; init; }

        /// <summary>The first message the protocol refused.</summary>
        public string? Refusal { get; private set; }

        /// <summary>The gateway's check of a signed request: the timestamp's window and the signature with the relay's registered key (nonces are not recorded).</summary>
        public bool Authenticate(IReadOnlyList<KeyValuePair<string, string>> headers, string method, string pathAndQuery, byte[] body)
        {
            string Header(string name) => headers.FirstOrDefault(h => h.Key == name).Value ?? "";
            return Authenticate(Header(RelaySignature.RelayIdHeader), Header(RelaySignature.TimestampHeader), Header(RelaySignature.NonceHeader), Header(RelaySignature.SignatureHeader),
                method, pathAndQuery, body);
        }

        public bool Authenticate(string relayId, string timestampText, string nonce, string signature, string method, string pathAndQuery, byte[] body)
        {
            var started = Stopwatch.GetTimestamp();
            var valid = _gatewayKeys.TryGetValue(relayId, out var key)
                && long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
                && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - timestamp) <= RelaySignature.MaxClockSkew.TotalMilliseconds;
            if (valid)
            {
                lock (key!)
                {
                    valid = RelaySignature.Verify(key, method, pathAndQuery, long.Parse(timestampText, CultureInfo.InvariantCulture), nonce, body, signature);
                }
            }
            Interlocked.Add(ref Current.AuthTicks, Stopwatch.GetTimestamp() - started);
            return valid;
        }

        /// <summary>What the round asks of the relay, as the JSON the gateway answers.</summary>
        public byte[] Task(string relayId)
        {
            var figures = Current;
            RoundTask task;
            lock (_gate)
            {
                var started = Stopwatch.GetTimestamp();
                task = Protocol.TaskFor(relayId);
                figures.TaskTicks += Stopwatch.GetTimestamp() - started;
            }
            var serializing = Stopwatch.GetTimestamp();
            var json = JsonSerializer.SerializeToUtf8Bytes(task, Json);
            Interlocked.Add(ref figures.JsonTicks, Stopwatch.GetTimestamp() - serializing);
            if (MeasureParts)
            {
                figures.PartsMeasured = true;
                Interlocked.Add(ref figures.AdvertisementBytes, task.Advertisements is { } a ? JsonSerializer.SerializeToUtf8Bytes(a, Json).Length : 0);
                Interlocked.Add(ref figures.SurvivorBytes, task.Survivors is { } s ? JsonSerializer.SerializeToUtf8Bytes(s, Json).Length : 0);
                Interlocked.Add(ref figures.BundleBytes, task.Bundles is { } b ? JsonSerializer.SerializeToUtf8Bytes(b, Json).Length : 0);
            }
            Interlocked.Increment(ref figures.Tasks);
            Interlocked.Add(ref figures.DownBytes, json.Length);
            return json;
        }

        /// <summary>Applies a relay's message; the receipt's JSON, or null when the protocol refused it (<see cref="Refusal"/>).</summary>
        public byte[]? Receive(string kind, string relayId, byte[] body)
        {
            var figures = Current;
            StageReceipt receipt;
            lock (_gate)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var message = new RoundMessage(Protocol.Sequence + 1, kind, relayId, body, DateTimeOffset.UtcNow);
                    receipt = Protocol.Apply(message);
                    Log?.Add(message);
                }
                catch (RoundMessageRefusedException e)
                {
                    Refusal ??= $"{relayId}'s {kind} message was refused: {e.Code}: {e.Message}";
                    return null;
                }
                finally
                {
                    figures.ApplyTicks += Stopwatch.GetTimestamp() - started;
                }
            }
            var serializing = Stopwatch.GetTimestamp();
            var json = JsonSerializer.SerializeToUtf8Bytes(receipt, Json);
            Interlocked.Add(ref figures.JsonTicks, Stopwatch.GetTimestamp() - serializing);
            Interlocked.Increment(ref figures.Relays);
            Interlocked.Add(ref figures.UpBytes, body.Length);
            Interlocked.Add(ref figures.DownBytes, json.Length);
            return json;
        }

        /// <summary>Closes the current stage, as the grain does once everyone it waits for answered or at its deadline.</summary>
        public void Close()
        {
            lock (_gate)
            {
                var started = Stopwatch.GetTimestamp();
                var close = new RoundMessage(Protocol.Sequence + 1, RoundMessageKinds.Close, "", [], DateTimeOffset.UtcNow);
                Protocol.Apply(close);
                Current.CloseTicks += Stopwatch.GetTimestamp() - started;
                Log?.Add(close);
            }
        }

        /// <summary>Rebuilds the round from a log, as a new activation of the grain does (signatures were checked before it was written); seconds taken.</summary>
        public double Replay(IReadOnlyList<RoundMessage> log)
        {
            var clock = Stopwatch.StartNew();
            lock (_gate)
            {
                foreach (var message in log)
                {
                    Protocol.Apply(message, verify: false);
                }
            }
            return clock.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            Protocol.Dispose();
            foreach (var key in _gatewayKeys.Values.Concat(_roundKeys.Values))
            {
                key.Dispose();
            }
        }
    }

    /// <summary>Kestrel on 127.0.0.1 with the gateway's round routes in front of a <see cref="RoundHost"/>.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private LoopbackServer(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<LoopbackServer> StartAsync(RoundHost host)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, 0);
                kestrel.Limits.MaxRequestBodySize = 64 << 20;
            });
            var app = builder.Build();
            app.MapGet("/api/v1/fl/rounds/{roundId}/task", context => TaskAsync(host, context));
            app.MapPost("/api/v1/fl/rounds/{roundId}/{segment}", context => ReceiveAsync(host, context));
            await app.StartAsync().ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new LoopbackServer(app, new Uri(address));
        }

        private static async Task TaskAsync(RoundHost host, HttpContext context)
        {
            var relayId = Authenticate(host, context, []);
            if (relayId is null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            var json = host.Task(relayId);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
        }

        private static async Task ReceiveAsync(RoundHost host, HttpContext context)
        {
            byte[] body;
            using (var buffer = new MemoryStream((int)(context.Request.ContentLength ?? 0)))
            {
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                body = buffer.ToArray();
            }
            var relayId = Authenticate(host, context, body);
            if (relayId is null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            var kind = KindOf(context.Request.RouteValues["segment"] as string ?? "");
            var receipt = kind.Length == 0 ? null : host.Receive(kind, relayId, body);
            if (receipt is null)
            {
                context.Response.StatusCode = StatusCodes.Status409Conflict;
                await context.Response.WriteAsync(host.Refusal ?? "unknown stage", context.RequestAborted).ConfigureAwait(false);
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(receipt, context.RequestAborted).ConfigureAwait(false);
        }

        private static string? Authenticate(RoundHost host, HttpContext context, byte[] body)
        {
            var headers = context.Request.Headers;
            var relayId = headers[RelaySignature.RelayIdHeader].ToString();
            return host.Authenticate(relayId, headers[RelaySignature.TimestampHeader].ToString(), headers[RelaySignature.NonceHeader].ToString(),
                headers[RelaySignature.SignatureHeader].ToString(), context.Request.Method, context.Request.GetEncodedPathAndQuery(), body) ? relayId : null;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A simulated relay: its identity key, the games it declares, a random Δ, and the relay trainer's way of making each
    /// stage's message (secure-aggregation state exported after each stage and restored for the next, as on its disk).
    /// </summary>
    private sealed class SimulatedRelay : IDisposable
    {
        private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly IReadOnlyList<string> _games;
        private readonly string _dataHash;

        public SimulatedRelay(int index, int parameters, int seed, bool drops)
        {
            RelayId = Invariant($"bench-relay-{index:0000}");
            _games = [.. Enumerable.Range(0, GamesPerRelay).Select(g => Invariant($"bench-game-{index:0000}-{g:000}"))];
            _dataHash = FederatedSigning.DataHash(_games);
            Delta = RandomUpdate(seed, index, parameters);
            Drops = drops;
        }

        /// <summary>What each relay reports of its (skipped) local training: the round's default plan over 1,280 positions.</summary>
        public static UpdateMetrics Metrics { get; } = new(1280, 40, 2.0, 0.2, 1.0);

        public string RelayId { get; }

        /// <summary>Whether it drops out before its masked input (it answers ready, keys and shares, then nothing).</summary>
        public bool Drops { get; set; }

        /// <summary>Its secure-aggregation client's exported state, as the trainer keeps it on disk between stages.</summary>
        public byte[]? State { get; set; }

        public float[] Delta { get; }

        public RoundTask? Task { get; set; }

        public byte[]? Body { get; set; }

        public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; set; }

        /// <summary>This relay's own work in the current stage.</summary>
        public long Ticks { get; set; }

        public ECDsa PublicKey()
        {
            var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(_key.ExportSubjectPublicKeyInfo(), out _);
            return key;
        }

        public HttpRequestMessage Request(HttpMethod method, string path, byte[] body) => RelaySignature.CreateRequest(_key, RelayId, method, path, path, body, DateTimeOffset.UtcNow);

        public IReadOnlyList<KeyValuePair<string, string>> Sign(string method, string path, byte[] body) => RelaySignature.Sign(_key, RelayId, method, path, body, DateTimeOffset.UtcNow);

        /// <summary>The message for <see cref="Task"/>'s stage into <see cref="Body"/>, as <c>FederatedTrainer.PrepareAsync</c> makes it (null: nothing to send).</summary>
        public void Prepare(RoundStart round, ParameterLayout layout)
        {
            var started = Stopwatch.GetTimestamp();
            Body = Task is not { Expected: true } task ? null : task.Stage switch
            {
                RoundStages.Ready => JsonSerializer.SerializeToUtf8Bytes(new PeerReady(RelayId, _games.Count, _dataHash, _games), Json),
                RoundStages.Advertising when task is { ClientId: { } id, Plan: { } plan } => Advertise(round, id, plan),
                RoundStages.Sharing when State is not null && task is { Advertisements: { } adverts, Survivors: { } survivors } => Share(round, adverts, survivors),
                RoundStages.Masking when State is not null && task is { ClientId: { } id, Survivors: { } survivors, Bundles: { } bundles } => Mask(round, id, survivors, bundles, task.ClipNorm),
                RoundStages.Unmasking when State is not null && task is { Survivors: { } survivors } => Unmask(round, survivors),
                RoundStages.Training => Update(round, layout, task.ClipNorm),
                _ => null,
            };
            Ticks += Stopwatch.GetTimestamp() - started;
        }

        private byte[] Advertise(RoundStart round, int id, SecureAggregationPlan plan)
        {
            using var client = new SecureAggregationClient(plan.ToConfig(round.RoundId), id, signer: new Signer(_key));
            var advert = client.AdvertiseKeys();
            State = SecureAggregationClientState.Serialize(client.ExportState());
            return JsonSerializer.SerializeToUtf8Bytes(advert.ToWire(), Json);
        }

        private byte[] Share(RoundStart round, IReadOnlyList<KeyAdvertisement> adverts, IReadOnlyList<int> survivors)
        {
            using var client = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(State!), signer: new Signer(_key));
            var shares = client.ShareKeys(new KeysBroadcast(round.RoundId, [.. survivors], [.. adverts.Select(a => a.FromWire())]));
            State = SecureAggregationClientState.Serialize(client.ExportState());
            return JsonSerializer.SerializeToUtf8Bytes(shares.ToWire(), Json);
        }

        private byte[] Mask(RoundStart round, int id, IReadOnlyList<int> survivors, IReadOnlyList<SealedShare> bundles, double? clipNorm)
        {
            using var client = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(State!), signer: new Signer(_key));
            var input = Learning.Federated.Rounds.SecureInput.Of(Delta, Metrics.Examples, clipNorm);
            var masked = client.MaskInput(new ShareDelivery(round.RoundId, id, [.. survivors], [.. bundles.Select(b => b.FromWire())]), input);
            State = SecureAggregationClientState.Serialize(client.ExportState());
            var values = SecureAggregationWire.ToBytes(masked.Values);
            var signature = FederatedSigning.Sign(_key, FederatedSigning.SubmissionBytes(round.RoundId, RelayId, values, _dataHash));
            return JsonSerializer.SerializeToUtf8Bytes(new MaskedUpdate(id, values, Metrics, signature, _dataHash), Json);
        }

        private byte[] Unmask(RoundStart round, IReadOnlyList<int> survivors)
        {
            using var client = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(State!));
            var unmask = client.Unmask(new UnmaskRequest(round.RoundId, [.. survivors]));
            State = SecureAggregationClientState.Serialize(client.ExportState());
            return JsonSerializer.SerializeToUtf8Bytes(unmask.ToWire(), Json);
        }

        private byte[] Update(RoundStart round, ParameterLayout layout, double? clipNorm)
        {
            var delta = clipNorm is { } clip ? Learning.Federated.Privacy.L2Clipping.Clip(Delta, clip).Delta : Delta;
            var update = UpdateCodecs.Create(round.Codec, layout).Encode(delta);
            var signature = FederatedSigning.Sign(_key, FederatedSigning.SubmissionBytes(round.RoundId, RelayId, update, _dataHash));
            return JsonSerializer.SerializeToUtf8Bytes(new GradientSubmission(round.RoundId, update, round.Codec, Metrics, signature, _dataHash), Json);
        }

        /// <summary>Relay i's Δ: uniform in [−0.01, 0.01] from a xorshift stream.</summary>
        private static float[] RandomUpdate(int seed, int relay, int length)
        {
            var values = new float[length];
            var state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)relay + 1) * 0xBF58476D1CE4E5B9UL;
            state |= 1;
            for (var i = 0; i < length; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                values[i] = ((state >> 40) * (1f / (1 << 24)) * 2 - 1) * 0.01f;
            }
            return values;
        }

        public void Dispose() => _key.Dispose();

        /// <summary>Signs advertisements with the relay's identity key, as the trainer's signer does.</summary>
        private sealed class Signer(ECDsa key) : IAdvertisementSigner
        {
            public byte[] Sign(byte[] payload) => key.SignData(payload, HashAlgorithmName.SHA256);
        }
    }

    /// <summary>
    /// The server's model work beside the round: the quick validation shard the aggregation scores on (positions of the
    /// validation games, as the silo picks them), one shard score's time, and one relay's local training of the round's
    /// default plan from the same positions.
    /// </summary>
    private sealed class ServerModels : IDisposable
    {
        private ServerModels(ValidationShard? shard, double? scoreSeconds, double? trainingSeconds)
        {
            Shard = shard;
            ScoreSeconds = scoreSeconds;
            TrainingSeconds = trainingSeconds;
        }

        public ValidationShard? Shard { get; }

        public double? ScoreSeconds { get; }

        public double? TrainingSeconds { get; }

        public static ServerModels Load(BenchSettings settings, ParameterLayout layout, float[] global)
        {
            if (!File.Exists(settings.ValidationGames))
            {
                Say($"  no validation games at {settings.ValidationGames}: aggregation and local training are not measured");
                return new ServerModels(null, null, null);
            }
            var size = layout.Config.BoardSize;
            var positions = GameCollections.Read([settings.ValidationGames], size, new GameSplit(), part: null)
                .SelectMany(game => GamePositions.Of(game).Where((_, i) => i % 3 == 0))
                .Take(settings.ValidationPositions * 4)
                .ToList();
            if (positions.Count == 0)
            {
                Say($"  {settings.ValidationGames} holds no {size}x{size} positions: aggregation and local training are not measured");
                return new ServerModels(null, null, null);
            }
            new Random(7).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(positions));
            var shard = new ValidationShard(layout, [.. positions.Take(settings.ValidationPositions)]);
            shard.Score(global);
            var times = new List<double>();
            for (var r = 0; r < 3; r++)
            {
                var clock = Stopwatch.StartNew();
                shard.Score(global);
                times.Add(clock.Elapsed.TotalSeconds);
            }
            var plan = new LocalTrainingPlan();
            var training = Stopwatch.StartNew();
            LocalTrainer.Train("bench", layout, global, positions, new LocalTrainingOptions(Steps: plan.Steps, BatchSize: plan.BatchSize, LearningRate: plan.LearningRate, Seed: settings.Seed));
            var trainingSeconds = training.Elapsed.TotalSeconds;
            var score = times.Order().ElementAt(1);
            Say($"  quick validation shard: {shard.Count:N0} positions of {Path.GetFileName(settings.ValidationGames)}, one score {score * 1000:0.0} ms; one relay's local training ({plan.Steps} steps of {plan.BatchSize}): {trainingSeconds:0.00} s");
            return new ServerModels(shard, score, trainingSeconds);
        }

        public void Dispose() => Shard?.Dispose();
    }
}
