using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using Orleans.Serialization;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Cli.Play;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Learning.Inference;
using OrleansGoRelay.Silo.Hosting;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench inference</c>: one position's prediction through each layer of the product, measured in the same
/// run so each layer's cost shows: the bare ONNX Runtime session of the served model, the silo's batching predictor,
/// the inference grain (position checks, batching, crowd consensus), <c>POST /api/v1/inference/predict</c> over
/// loopback HTTP with its payment-channel draw, and the MCP tool <c>predict_move</c> through the official C# SDK's
/// client. First one client at a time (latency), then many at once (throughput), with the batching predictor's gain
/// against batch 1 on the same session. The silo is the product's (its gateway, grains and PostgreSQL storage) in this
/// process on a scratch database; positions are real (from games of the shared data, checked as the API checks them).
/// </summary>
internal static class InferenceBenchmark
{
    private const long Price = 1_000_000; // the standard tier
    private static readonly string[] ClientFlags = ["debits_must_not_exceed_credits"];

    public static Command Command()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time of each phase", DefaultValueFactory = _ => 5 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients in the throughput phases", DefaultValueFactory = _ => 64 };
        var maxBatch = new Option<int>("--max-batch") { Description = "The batching predictor's largest batch (Inference:MaxBatch)", DefaultValueFactory = _ => new InferenceOptions().MaxBatch };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per session (Inference:SessionThreads)", DefaultValueFactory = _ => new InferenceOptions().SessionThreads };
        var precision = new Option<string>("--precision") { Description = "int8 or fp32 sessions (Inference:Precision)", DefaultValueFactory = _ => new InferenceOptions().Precision };
        var checkpoint = new Option<string>("--checkpoint") { Description = "The model to serve (a training checkpoint folder)", DefaultValueFactory = _ => "models/training/baseline" };
        var games = new Option<string>("--positions") { Description = "An SGF collection the positions come from", DefaultValueFactory = _ => "../shared/data/tom-9d-2003-2009.sgf.gz" };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: env GORELAY_CONNECTION, else .data/connection-string)" };
        var png = BenchPictures.PngOption();
        var command = new Command("inference", "p50/p99 and throughput of one prediction through ONNX Runtime, the batching predictor, the grain, HTTP with payment and MCP")
        {
            seconds, clients, maxBatch, threads, precision, checkpoint, games, connection, png,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!GoTools.GameFiles.AllExist([parse.GetValue(games)!]))
            {
                return GoTools.GameFiles.UsageError;
            }
            if (!Directory.Exists(parse.GetValue(checkpoint)))
            {
                throw new CommandFailedException($"No checkpoint folder '{parse.GetValue(checkpoint)}' (run from the repository root, or pass --checkpoint).");
            }
            var plan = new Plan(TimeSpan.FromSeconds(parse.GetValue(seconds)), Math.Max(1, parse.GetValue(clients)), Math.Max(1, parse.GetValue(maxBatch)), Math.Max(1, parse.GetValue(threads)), parse.GetValue(precision)!);
            await RunAsync(plan, Path.GetFullPath(parse.GetValue(checkpoint)!), Path.GetFullPath(parse.GetValue(games)!),
                BenchDatabase.ResolveConnectionString(parse.GetValue(connection)), parse.GetValue(png), cancellationToken);
            return 0;
        });
        return command;
    }

    private sealed record Plan(TimeSpan Duration, int Clients, int MaxBatch, int Threads, string Precision);

    /// <summary>One phase's figures: latency quantiles in ms and completed calls per second.</summary>
    private sealed record Figures(double P50, double P99, double Mean, double PerSecond, long Calls, int Collections, double PauseMs);

    private static async Task RunAsync(Plan plan, string checkpoint, string gamesFile, string connectionString, string? png, CancellationToken cancellationToken)
    {
        Console.WriteLine($"gorelay bench inference: {Environment.ProcessorCount} cores, {plan.Duration.TotalSeconds:0} s per phase, {plan.Clients} clients in the throughput phases, " +
            $"max batch {plan.MaxBatch}, {plan.Threads} ONNX Runtime thread(s) per session");
        var positions = Positions(gamesFile, 19, 512);
        Console.WriteLine($"  {positions.Count} real positions from {Path.GetFileName(gamesFile)} (moves 10 to 200 of its games)");
        var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_inference");
        var operatorToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var url = $"http://127.0.0.1:{Processes.ChildProcess.FreePort()}";
        await using var app = StartSilo(database, url, operatorToken, checkpoint, gamesFile, plan);
        var clock = Stopwatch.StartNew();
        await app.StartAsync(cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = plan.Clients * 2 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        await WaitReadyAsync(http, cancellationToken);
        Console.WriteLine($"  silo ready in {clock.Elapsed.TotalSeconds:F1} s (schema, genesis version from the checkpoint, its validation)");

        // The served version's own session (as the silo runs it: int8 by default), for the bare and batching phases.
        var served = await app.Services.GetRequiredService<InferenceModels>().GetAsync(null);
        var bare = served.Model;
        Console.WriteLine($"  serving {served.Version.Architecture} ({served.Version.Parameters:N0} parameters, version {served.Version.ModelHash[..12]}), " +
            $"{plan.Precision} sessions");
        var planes = positions.Select(p => PositionQuery.From(p, bare.BoardSize).Planes()).ToArray();

        var (key, channel) = await OpenChannelAsync(http, operatorToken, cancellationToken);
        using var paid = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = plan.Clients * 2 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        paid.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url + "/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key, ["X-Channel-Id"] = channel },
        }), cancellationToken: cancellationToken);
        var grains = app.Services.GetRequiredService<IGrainFactory>();

        var layers = new (string Name, string Target, double? TargetP99, Func<int, Task> Call)[]
        {
            ("ONNX Runtime session, batch 1", "", null, i => { bare.Predict(planes[i % planes.Length], 1); return Task.CompletedTask; }),
            ("batching predictor (the silo's, lone requests)", "", null, null!),
            ("inference grain (checks, batching, consensus)", "p99 < 2 ms", 2, i => grains.GetGrain<IInferenceGrain>(0).Predict(positions[i % positions.Count])),
            ("HTTP POST /api/v1/inference/predict, paid", "p99 < 10 ms", 10, i => PredictOverHttpAsync(paid, positions[i % positions.Count] with { ChannelId = channel }, cancellationToken)),
            ("MCP predict_move (C# SDK client, Streamable HTTP)", "p99 < 50 ms", 50, i => PredictOverMcpAsync(mcp, positions[i % positions.Count], cancellationToken)),
        };
        await using var lone = new BatchingPredictor(bare, plan.MaxBatch);
        layers[1].Call = i => lone.PredictAsync(planes[i % planes.Length], cancellationToken);

        Console.WriteLine();
        Console.WriteLine("  One client at a time (latency):");
        Console.WriteLine($"  {"layer",-56} {"p50 ms",8} {"p99 ms",8} {"mean ms",8} {"calls/s",9} {"GCs",5} {"GC ms",8}  target");
        Figures? grainFigures = null;
        var latencies = new List<LatencyRow>();
        foreach (var (name, target, targetP99, call) in layers)
        {
            var figures = await MeasureAsync(1, plan.Duration, call, cancellationToken);
            grainFigures ??= name.StartsWith("inference grain", StringComparison.Ordinal) ? figures : null;
            Console.WriteLine(Row(name, figures, target, targetP99));
            latencies.Add(new LatencyRow(name, figures.P50, figures.P99));
        }
        if (png is not null)
        {
            BenchPictures.WriteLatency(png, $"One prediction, one client at a time ({plan.Precision}, {plan.Duration.TotalSeconds:0} s per layer, {Environment.ProcessorCount} cores)", latencies);
        }

        Console.WriteLine();
        Console.WriteLine($"  {plan.Clients} concurrent clients (throughput):");
        Console.WriteLine($"  {"layer",-56} {"p50 ms",8} {"p99 ms",8} {"mean ms",8} {"calls/s",9} {"GCs",5} {"GC ms",8}  batch");
        double? unbatched = null;
        foreach (var batch in new[] { 1, plan.MaxBatch }.Distinct())
        {
            await using var predictor = new BatchingPredictor(bare, batch);
            var figures = await MeasureAsync(plan.Clients, plan.Duration, i => predictor.PredictAsync(planes[i % planes.Length], cancellationToken), cancellationToken);
            unbatched ??= figures.PerSecond;
            var gain = batch == 1 ? "" : $"  {figures.PerSecond / unbatched:F2}x batch 1";
            Console.WriteLine($"{Row($"batching predictor, max batch {batch}", figures, "", null)}  mean {predictor.MeanBatch:F1}{gain}");
        }
        foreach (var (name, _, _, call) in layers.Skip(2))
        {
            var figures = await MeasureAsync(plan.Clients, plan.Duration, call, cancellationToken);
            Console.WriteLine(Row(name, figures, "", null));
        }

        var closed = await (await paid.PostAsync(new Uri($"/api/v1/channels/{channel}/close", UriKind.Relative), null, cancellationToken)).Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Console.WriteLine();
        Console.WriteLine($"  the channel settled {closed.GetProperty("settled").GetInt64() / Price:N0} paid calls (HTTP and MCP, every phase) and returned the rest of the deposit");
        await app.StopAsync(cancellationToken);
    }

    private static WebApplication StartSilo(string database, string url, string operatorToken, string checkpoint, string gamesFile, Plan plan)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Orleans:SiloName"] = "bench-inference",
            ["Orleans:ClusterId"] = "gorelay-bench-inference",
            ["Orleans:SiloPort"] = Processes.ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = Processes.ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Gateway:OperatorToken"] = operatorToken,
            // Every benchmark client calls from one loopback address.
            ["Gateway:Limits:PermitsPerSecond"] = "0",
            ["Fl:GenesisCheckpoint"] = checkpoint,
            ["Fl:ValidationGames:0"] = gamesFile,
            ["Fl:ValidationSplitOnly"] = "true",
            ["Fl:ValidationPositions"] = "500",
            ["Fl:QuickValidationPositions"] = "200",
            ["Inference:MaxBatch"] = plan.MaxBatch.ToString(CultureInfo.InvariantCulture),
            ["Inference:SessionThreads"] = plan.Threads.ToString(CultureInfo.InvariantCulture),
            ["Inference:Precision"] = plan.Precision,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseUrls(url);
        // Orleans finds grain types in the entry assembly's references; this process reaches the dashboard's only
        // through the silo's, so it is named here (else its grain cannot be placed and it retries every second).
        builder.AddGoRelaySilo(silo => silo.Services.AddSerializer(serializer => serializer.AddAssembly(typeof(Orleans.Dashboard.DashboardOptions).Assembly)));
        var app = builder.Build();
        app.MapGatewayEndpoints();
        return app;
    }

    private static async Task WaitReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            try
            {
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    // The genesis version is made (and measured) by the first registry read.
                    using var current = await http.GetAsync(new Uri("/api/v1/models/current", UriKind.Relative), cancellationToken);
                    if (current.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Still starting.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new CommandFailedException("The benchmark's silo did not become ready within 3 minutes.");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>An API client with a key and a channel deep enough for every paid call of the run.</summary>
    private static async Task<(string Key, string Channel)> OpenChannelAsync(HttpClient http, string operatorToken, CancellationToken cancellationToken)
    {
        async Task<JsonElement> OperatorPostAsync(string path, object? body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: GatewayClient.Json) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.Clone() : throw new CommandFailedException($"POST {path}: {(int)response.StatusCode} {text}");
        }
        const long deposit = 2_000_000 * Price;
        await OperatorPostAsync("/api/v1/accounts", new { accountId = "bench-inference-client", kind = "api_client", flags = ClientFlags });
        await OperatorPostAsync("/api/v1/transfers", new { transferId = "fund-bench-inference-client", debitAccountId = "treasury", creditAccountId = "bench-inference-client", amount = deposit, code = 1 });
        var key = (await OperatorPostAsync("/api/v1/accounts/bench-inference-client/api-keys", null)).GetProperty("apiKey").GetString()!;
        using var open = new HttpRequestMessage(HttpMethod.Post, "/api/v1/channels") { Content = JsonContent.Create(new ChannelOpenRequest(deposit), options: GatewayClient.Json) };
        open.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var opened = await http.SendAsync(open, cancellationToken);
        var view = await opened.Content.ReadFromJsonAsync<ChannelView>(GatewayClient.Json, cancellationToken);
        return (key, view?.ChannelId ?? throw new CommandFailedException($"the channel did not open ({(int)opened.StatusCode})"));
    }

    private static async Task PredictOverHttpAsync(HttpClient http, PredictRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/inference/predict") { Content = JsonContent.Create(request, options: GatewayClient.Json) };
        message.Headers.Add("X-Request-Id", Guid.NewGuid().ToString("N"));
        using var response = await http.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CommandFailedException($"predict answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private static async Task PredictOverMcpAsync(McpClient mcp, PredictRequest request, CancellationToken cancellationToken)
    {
        var result = await mcp.CallToolAsync("predict_move", new Dictionary<string, object?>
        {
            ["size"] = request.Size,
            ["komi"] = request.Komi,
            ["toPlay"] = request.ToPlay,
            ["moves"] = request.Moves,
        }, cancellationToken: cancellationToken);
        if (result.IsError == true)
        {
            throw new CommandFailedException($"predict_move failed: {string.Join(" ", result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(t => t.Text))}");
        }
    }

    /// <summary>
    /// <paramref name="clients"/> closed-loop callers for <paramref name="duration"/> after a warm-up of a fifth of it;
    /// every call's latency kept.
    /// </summary>
    private static async Task<Figures> MeasureAsync(int clients, TimeSpan duration, Func<int, Task> call, CancellationToken cancellationToken)
    {
        var warmUp = duration / 5;
        var times = new List<double>[clients];
        var next = -1;
        var clock = Stopwatch.StartNew();
        var collectionsBefore = GC.CollectionCount(0);
        var pausedBefore = GC.GetTotalPauseDuration();
        async Task ClientAsync(int client)
        {
            var mine = times[client] = new List<double>(4096);
            var calls = 0;
            while (clock.Elapsed < warmUp + duration && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await call(Interlocked.Increment(ref next));
                if (clock.Elapsed >= warmUp)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                // Now and then through the thread pool's global queue, so closed loops of local work items do not starve
                // the timers and I/O completions queued there (see bench runtime).
                if (++calls % 16 == 0)
                {
                    await Task.Yield();
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c), cancellationToken)));
        var elapsed = clock.Elapsed - warmUp;
        var all = times.SelectMany(t => t).Order().ToList();
        return new Figures(Quantiles.Of(all, 0.5), Quantiles.Of(all, 0.99), all.Count == 0 ? double.NaN : all.Average(), all.Count / Math.Max(1e-9, elapsed.TotalSeconds), all.Count,
            GC.CollectionCount(0) - collectionsBefore, (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds);
    }

    private static string Row(string name, Figures f, string target, double? targetP99)
    {
        var verdict = targetP99 is { } t ? $"{target}: {(f.P99 < t ? "met" : "NOT met")}" : target;
        return string.Create(CultureInfo.InvariantCulture, $"  {name,-56} {f.P50,8:F3} {f.P99,8:F3} {f.Mean,8:F3} {f.PerSecond,9:N0} {f.Collections,5} {f.PauseMs,8:F0}  {verdict}");
    }

    /// <summary>Real positions: a seeded pick of games without setup stones, each at a move between 10 and 200, as the API receives them.</summary>
    private static List<PredictRequest> Positions(string file, int size, int count)
    {
        var random = new Random(17);
        var positions = new List<PredictRequest>(count);
        foreach (var (_, game, _) in GameImporter.ReadFile(file))
        {
            if (game is not { Handicap: 0, Setup.Count: 0 } || game.Size != size || game.Moves.Length < 20)
            {
                continue;
            }
            var moveNumber = random.Next(10, Math.Min(200, game.Moves.Length));
            var moves = game.Moves[..moveNumber];
            var request = new PredictRequest(null, size, game.Komi, null, null, [.. moves.Select(m => m.Point.ToGtp(size))],
                game.Moves[moveNumber].Player == Go.Rules.Color.Black ? "B" : "W", TopK: 5);
            try
            {
                _ = PositionQuery.From(request, size);
            }
            catch (PositionRefusedException)
            {
                continue; // a record whose colours do not alternate, say
            }
            positions.Add(request);
            if (positions.Count == count)
            {
                break;
            }
        }
        return positions.Count > 0 ? positions : throw new CommandFailedException($"{file} has no {size}x{size} game to take positions from.");
    }
}
