extern alias gorelay;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// Federated rounds with real processes on loopback: two silos, five relay agents with <c>--fl</c>, GNU Go games
/// played through them and stamped, then three rounds with secure aggregation and DP-FedAvg on a tiny 9×9 model
/// (held-out positions from GNU Go's regression games). Round 1: a relay is SIGKILLed after it shared its keys and
/// stays dead; the round completes without it (its masks removed from its neighbours' shares). Round 2: the silo
/// hosting the round is SIGKILLed while masked updates arrive; the round resumes on the survivor from its log with
/// every accepted submission. Round 3: a relay is SIGKILLed after sharing and restarted at once; it rejoins from its
/// own disk and is in the sum. Then: the registry advanced without losing held-out accuracy, every reward was paid
/// once, the ledger sums to 0 and its chain verifies, and the event stream arrived in order.
/// </summary>
[Trait("Category", "Slow")]
public sealed class FederatedRoundsEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = SiloProcess.OperatorToken;
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly PostgresDatabase _database = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("gorelay-fl-e2e").FullName;
    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<string, ChildProcess> _relays = new(StringComparer.Ordinal);

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var (name, text) in _silos.Select(s => (s.Name, s.Output)).Concat(_relays.Select(r => (r.Key, r.Value.Output))))
        {
            output.WriteLine($"--- {name}:\n{string.Join('\n', text.Split('\n').TakeLast(40))}");
        }
        // Every relay that exited, with its exit code: 137 for the test's SIGKILL; 134 or 139 would be a native abort or segfault.
        foreach (var (name, relay) in _relays.Where(r => r.Value.HasExited))
        {
            output.WriteLine($"--- {name} exited with {relay.ExitCode}");
        }
        foreach (var relay in _relays.Values)
        {
            await relay.DisposeAsync();
        }
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RoundsSurviveARelayAndASiloKilledMidRoundAndPayEveryRewardOnce()
    {
        var validation = Path.Combine(OrleansGoRelay.Tests.Go.GoData.Directory, "gnugo-regression.sgf.gz");
        var settings = new Dictionary<string, string>
        {
            ["Fl__ValidationGames__0"] = validation,
            ["Fl__RarityCorpus__0"] = validation,
            ["Fl__RarityCorpusGames"] = "300",
            ["Fl__Genesis__BoardSize"] = "9",
            ["Fl__Genesis__Blocks"] = "1",
            ["Fl__Genesis__Channels"] = "8",
            ["Fl__Genesis__ValueHidden"] = "16",
            ["Fl__ValidationPositions"] = "1200",
            ["Fl__QuickValidationPositions"] = "300",
            ["Fl__Threads"] = "1",
        };
        _silos.Add(await SiloProcess.StartAsync(_database.ConnectionString, "fl-a", settings));
        _silos.Add(await SiloProcess.StartAsync(_database.ConnectionString, "fl-b", settings));
        // One events socket on each silo: whichever survives heard the whole run.
        using var eventsA = new EventRecorder(_silos[0].Port);
        using var eventsB = new EventRecorder(_silos[1].Port);
        // Five sites on four continents: routing sends each site's players to its own relay.
        (double Latitude, double Longitude)[] sites = [(52.37, 4.90), (40.71, -74.0), (1.35, 103.8), (-23.55, -46.63), (35.68, 139.69)];
        for (var i = 0; i < sites.Length; i++)
        {
            StartRelay($"relay-{i + 1}", sites[i]);
        }
        await Eventually.WaitForAsync(() => RelayHealthAsync(), h => h.Count(r => r.Value == "healthy") == sites.Length, TimeSpan.FromSeconds(60));
        foreach (var relay in _relays.Keys)
        {
            await OperatorPostAsync("/api/v1/transfers", new { transferId = "fund:" + relay, debitAccountId = "treasury", creditAccountId = "relay:" + relay, amount = 1_000_000_000L, code = 1 });
        }
        await OperatorPostAsync("/api/v1/transfers", new { transferId = "fund:reward-pool", debitAccountId = "treasury", creditAccountId = "reward-pool", amount = 10_000_000_000_000L, code = 1 });

        // Two games near each relay, so each carries (and stamps) its own.
        foreach (var ((latitude, longitude), i) in sites.Select((l, i) => (l, i)))
        {
            var match = ChildProcess.StartDotnet("match", ChildProcess.BuiltDll("Cli", "gorelay"),
            [
                "match", "--gateway", _silos[0].Url, "--gateway", _silos[1].Url, "--engine", $"{OrleansGoRelay.Go.Engines.GtpEngine.GnuGoPath} --mode gtp --level 1 --seed {{game}}",
                "--games", "2", "--size", "9", "--prefix", $"fl{i}", "--timeout", "120", "--latitude", latitude.ToString(CultureInfo.InvariantCulture),
                "--longitude", longitude.ToString(CultureInfo.InvariantCulture),
            ]);
            Assert.Equal(0, await match.WaitForExitAsync(TimeSpan.FromSeconds(150)));
        }
        // Routing decides where each game runs: most relays carry some, and a round samples only relays with stamps.
        var stamps = await Eventually.WaitForAsync(StampCountsAsync, counts => counts.Values.Count(c => c > 0) >= 4, TimeSpan.FromSeconds(60));
        // (four relays with data at least: secure aggregation's threshold over four tolerates one dropout)
        output.WriteLine("stamps by relay: " + string.Join(", ", stamps.Select(p => $"{p.Key} {p.Value}")));
        await Eventually.WaitForAsync(StakesAsync, stakes => stakes.Values.All(s => s > 0), TimeSpan.FromSeconds(30));
        var genesis = await GetAsync("/api/v1/models/current");

        // Round 1: one participant dies after sharing its keys and stays dead.
        var round1 = await StartRoundAsync();
        var lost = (await RoundAsync(round1)).GetProperty("start").GetProperty("participants").EnumerateArray().Last().GetString()!;
        await KillAfterAsync(round1, lost, "sharing", restart: false);
        var view1 = await WaitForRoundAsync(round1);
        Assert.Equal("completed", view1.GetProperty("stage").GetString());
        var included1 = Included(view1);
        Assert.DoesNotContain(lost, included1);
        Assert.True(included1.Count >= 3, $"round 1 included {string.Join(", ", included1)}");
        StartRelay(lost, sites[int.Parse(lost["relay-".Length..], CultureInfo.InvariantCulture) - 1]);
        await Eventually.WaitForAsync(() => RelayHealthAsync(), h => h.GetValueOrDefault(lost) == "healthy", TimeSpan.FromSeconds(30));

        // Round 2: the silo hosting the round dies while masked updates arrive.
        var round2 = await StartRoundAsync();
        var host = await Eventually.WaitForAsync(() => RoundAsync(round2), v => v.ValueKind == JsonValueKind.Object && v.GetProperty("stage").GetString() == "masking" && Answered(v, "masking") >= 1, TimeSpan.FromSeconds(60));
        var victim = _silos.Single(s => s.SiloId == host.GetProperty("silo").GetString());
        var acceptedBefore = Participants(host).Where(p => p.Stages.Contains("masking")).Select(p => p.RelayId).ToList();
        victim.Kill();
        output.WriteLine($"round {round2}: killed {victim.Name} with {acceptedBefore.Count} masked updates accepted");
        var survivor = _silos.Single(s => s != victim);
        var killedAt = DateTimeOffset.UtcNow;
        var view2 = await WaitForRoundAsync(round2, survivor);
        output.WriteLine($"round {round2} completed {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:0.0} s after the kill, on {view2.GetProperty("silo").GetString()}");
        Assert.Equal("completed", view2.GetProperty("stage").GetString());
        Assert.NotEqual(victim.SiloId, view2.GetProperty("silo").GetString());
        Assert.All(acceptedBefore, relay => Assert.Contains(relay, Included(view2)));

        // Round 3: a participant dies after sharing and comes straight back; it rejoins from its own disk.
        var round3 = await StartRoundAsync(survivor);
        var restarted = (await RoundAsync(round3, survivor)).GetProperty("start").GetProperty("participants").EnumerateArray().First().GetString()!;
        await KillAfterAsync(round3, restarted, "sharing", restart: true, survivor);
        var view3 = await WaitForRoundAsync(round3, survivor);
        Assert.Equal("completed", view3.GetProperty("stage").GetString());
        Assert.Contains(restarted, Included(view3));

        // The registry advanced, and no promotion lowered held-out accuracy.
        var versions = (await GetAsync("/api/v1/models?limit=50", survivor)).EnumerateArray().ToList();
        var current = await GetAsync("/api/v1/models/current", survivor);
        Assert.NotEqual(genesis.GetProperty("modelHash").GetString(), current.GetProperty("modelHash").GetString());
        Assert.True(current.GetProperty("metrics").GetProperty("top1").GetDouble() >= genesis.GetProperty("metrics").GetProperty("top1").GetDouble());
        var promoted = versions.Where(v => v.GetProperty("promotedAt").ValueKind != JsonValueKind.Null)
            .OrderBy(v => v.GetProperty("promotedAt").GetDateTimeOffset()).Select(v => v.GetProperty("metrics").GetProperty("top1").GetDouble()).ToList();
        Assert.Equal(promoted.Order(), promoted);
        output.WriteLine($"versions {versions.Count}, promoted top-1 {string.Join(" -> ", promoted)}");


        // Every reward once: each round's settlement is in the ledger under its ids, the pool paid exactly what was settled.
        long settled = 0;
        foreach (var view in new[] { view1, view2, view3 })
        {
            var roundId = view.GetProperty("start").GetProperty("roundId").GetString();
            foreach (var leg in view.GetProperty("settlement").EnumerateObject())
            {
                var relay = leg.Name["trainer:".Length..];
                long paid = 0;
                foreach (var code in new[] { 30, 31 })
                {
                    using var response = await OperatorGetAsync($"/api/v1/transfers/fl-round:{roundId}:{relay}:{code}", survivor);
                    paid += response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transfer").GetProperty("amount").GetInt64() : 0;
                }
                Assert.Equal(leg.Value.GetInt64(), paid);
                settled += paid;
            }
        }
        Assert.True(settled > 0);
        var trainers = 0L;
        foreach (var relay in _relays.Keys)
        {
            using var account = await OperatorGetAsync($"/api/v1/accounts/trainer:{relay}", survivor);
            trainers += account.IsSuccessStatusCode ? (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("balance").GetInt64() : 0;
        }
        Assert.Equal(settled, trainers); // nothing paid twice: the wallets hold exactly the settlements

        // Game rewards once: every player's wallet holds exactly its game's stamping and model-impact transfers.
        var paidGames = 0;
        foreach (var relay in _relays.Keys)
        {
            foreach (var stamp in (await GetAsync($"/api/v1/relays/{relay}/stamps", survivor)).EnumerateArray())
            {
                var gameId = stamp.GetProperty("stampId").GetString()!;
                foreach (var (color, player) in new[] { ("black", stamp.GetProperty("blackPlayer").GetString()!), ("white", stamp.GetProperty("whitePlayer").GetString()!) })
                {
                    long expected = 0;
                    foreach (var occasion in new[] { "game-reward", "game-impact" })
                    {
                        using var transfer = await OperatorGetAsync($"/api/v1/transfers/{occasion}:{gameId}:{color}", survivor);
                        expected += transfer.IsSuccessStatusCode ? (await transfer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transfer").GetProperty("amount").GetInt64() : 0;
                    }
                    using var wallet = await OperatorGetAsync($"/api/v1/accounts/player:{player}", survivor);
                    var balance = wallet.IsSuccessStatusCode ? (await wallet.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("balance").GetInt64() : 0;
                    Assert.Equal(expected, balance);
                    paidGames += expected > 0 ? 1 : 0;
                }
                Assert.Equal(stamp.GetProperty("gameClass").GetString() == "standard", !(await OperatorGetAsync($"/api/v1/transfers/game-reward:{gameId}:black", survivor)).IsSuccessStatusCode);
            }
        }
        output.WriteLine($"{paidGames / 2} games paid their players");
        using (var verify = await OperatorGetAsync("/api/v1/ledger/verify", survivor))
        {
            var ledger = await verify.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(ledger.GetProperty("chainValid").GetBoolean());
            Assert.True(ledger.GetProperty("balancesMatchEntries").GetBoolean());
            Assert.Equal(0, ledger.GetProperty("sumOfBalances").GetInt64());
        }

        // The events, on the socket held to the survivor from the start, in order and of every kind the rounds make.
        var received = (survivor == _silos[0] ? eventsA : eventsB).Received;
        Assert.Equal(received.Select(e => e.Sequence).Order(), received.Select(e => e.Sequence));
        Assert.Equal(received.Count, received.Select(e => e.Sequence).Distinct().Count());
        foreach (var type in new[] { "node_joined", "game_stamped", "round_started", "gradient_received", "model_updated", "rewards_distributed", "node_left" })
        {
            Assert.Contains(type, received.Select(e => e.Type));
        }
        output.WriteLine($"{received.Count} events, {string.Join(", ", received.GroupBy(e => e.Type).Select(g => $"{g.Key} {g.Count()}"))}");

        // Each round's version verifies against its parent from the round's durable record (the resumed round 2
        // included): an API client asks verify_model through the official TypeScript MCP client. Last, because its
        // payments go to the contributors whose wallets were checked above.
        await OperatorPostAsync("/api/v1/accounts", new { accountId = "fl-verifier", kind = "api_client", flags = new[] { "debits_must_not_exceed_credits" } }, survivor);
        await OperatorPostAsync("/api/v1/transfers", new { transferId = "fund-fl-verifier", debitAccountId = "treasury", creditAccountId = "fl-verifier", amount = 10_000_000L, code = 1 }, survivor);
        var apiKey = (await (await OperatorPostAsync("/api/v1/accounts/fl-verifier/api-keys", new { }, survivor)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        using var verifierClient = new HttpClient { BaseAddress = new Uri(survivor.Url) };
        verifierClient.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        var channel = (await (await verifierClient.PostAsJsonAsync("/api/v1/channels", new { deposit = 5_000_000L })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channelId").GetString()!;
        var rounds = new[] { view1, view2, view3 }.Select(v => v.GetProperty("result")).ToList();
        var verification = await McpClientCheck.RunAsync(new
        {
            transport = "http",
            url = survivor.Url + "/mcp",
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + apiKey, ["X-Channel-Id"] = channel },
            calls = rounds.Select(r => new
            {
                tool = "verify_model",
                arguments = new { oldVersion = r.GetProperty("parent").GetString(), newVersion = r.GetProperty("modelVersion").GetString(), roundId = r.GetProperty("roundId").GetString() },
            }).ToArray(),
        }, TimeSpan.FromSeconds(120));
        for (var i = 0; i < rounds.Count; i++)
        {
            var call = McpClientCheck.Call(verification, i);
            Assert.False(call.GetProperty("isError").GetBoolean(), call.GetProperty("text").GetString());
            var checks = call.GetProperty("structuredContent");
            output.WriteLine($"verify_model round {i + 1}: verified {checks.GetProperty("verified")}, top-1 {checks.GetProperty("oldTop1")} -> {checks.GetProperty("newTop1")}, " +
                $"{checks.GetProperty("seconds").GetDouble():F2} s server, {call.GetProperty("milliseconds").GetDouble():F0} ms client; " +
                string.Join("; ", checks.GetProperty("checks").EnumerateArray().Select(c => $"{c.GetProperty("name")}={c.GetProperty("passed")} ({c.GetProperty("detail")})")));
            Assert.True(checks.GetProperty("verified").GetBoolean());
            Assert.All(checks.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetProperty("detail").GetString()));
        }
        await verifierClient.PostAsync($"/api/v1/channels/{channel}/close", null);
    }

    private readonly Dictionary<string, (double Latitude, double Longitude)> _sites = new(StringComparer.Ordinal);

    private void StartRelay(string id, (double Latitude, double Longitude) site)
    {
        _sites[id] = site;
        var (latitude, longitude) = site;
        _relays[id] = ChildProcess.StartDotnet(id, ChildProcess.BuiltDll("RelayAgent", "gorelay-relay"),
        [
            "--fl", "--urls", $"http://127.0.0.1:{ChildProcess.FreePort()}", $"--Relay:RelayId={id}", $"--Relay:KeyFile={Path.Combine(_directory, id + ".pem")}",
            $"--Relay:Gateways:0={_silos[0].Url}", $"--Relay:Gateways:1={_silos[1].Url}", $"--Relay:Latitude={latitude.ToString(CultureInfo.InvariantCulture)}",
            $"--Relay:Longitude={longitude.ToString(CultureInfo.InvariantCulture)}", "--Relay:Limits:MaxReservationsPerIp=1024", "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:OrleansGoRelay.RelayAgent.Training=Information",
        ]);
    }

    /// <summary>Waits until <paramref name="relay"/> answered <paramref name="stage"/>, SIGKILLs it, and restarts it when asked.</summary>
    private async Task KillAfterAsync(string roundId, string relay, string stage, bool restart, SiloProcess? silo = null)
    {
        await Eventually.WaitForAsync(() => RoundAsync(roundId, silo), v => v.ValueKind == JsonValueKind.Object && Participants(v).Any(p => p.RelayId == relay && p.Stages.Contains(stage)), TimeSpan.FromSeconds(60));
        _relays[relay].Kill();
        output.WriteLine($"round {roundId}: killed {relay} after {stage}");
        if (restart)
        {
            await _relays[relay].DisposeAsync();
            StartRelay(relay, _sites[relay]);
        }
    }

    private async Task<string> StartRoundAsync(SiloProcess? silo = null)
    {
        // Secure aggregation and DP-FedAvg. Five relays cannot buy a meaningful ε (q = 1, z small so the tiny model
        // still learns); the figures for ε = 1 come from the simulator with 500 clients a round (README).
        using var response = await OperatorPostAsync("/api/v1/fl/rounds", new
        {
            minParticipants = 3, deadlineSeconds = 12, strategy = "fedavg", secureAggregation = true,
            privacy = new { epsilon = 1e12, delta = 1e-5, clip = 2.0, noiseMultiplier = 0.01 },
            // Enough local steps that the masking stage lasts a few seconds: the silo is killed inside it.
            local = new { steps = 150, batchSize = 32, learningRate = 0.05 },
        }, silo);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("roundId").GetString()!;
    }

    private async Task<JsonElement> WaitForRoundAsync(string roundId, SiloProcess? silo = null) =>
        await Eventually.WaitForAsync(() => RoundAsync(roundId, silo), v => v.ValueKind == JsonValueKind.Object && v.GetProperty("stage").GetString() is "completed" or "failed", TimeSpan.FromSeconds(120));

    /// <summary>The round's view; an empty element while the cluster cannot answer (a silo just died: 503 until membership declares it dead).</summary>
    private async Task<JsonElement> RoundAsync(string roundId, SiloProcess? silo = null)
    {
        try
        {
            return await GetAsync($"/api/v1/fl/rounds/{roundId}", silo);
        }
        catch (HttpRequestException)
        {
            return default;
        }
    }

    private static List<(string RelayId, List<string> Stages, string Status)> Participants(JsonElement view) =>
        [.. view.GetProperty("participants").EnumerateArray().Select(p => (p.GetProperty("relayId").GetString()!,
            p.GetProperty("stages").EnumerateArray().Select(s => s.GetString()!).ToList(), p.GetProperty("status").GetString()!))];

    private static int Answered(JsonElement view, string stage) => Participants(view).Count(p => p.Stages.Contains(stage));

    private static List<string> Included(JsonElement view) => [.. Participants(view).Where(p => p.Status == "included").Select(p => p.RelayId)];

    private async Task<Dictionary<string, string>> RelayHealthAsync() =>
        (await GetAsync("/api/v1/relays", _silos.LastOrDefault(s => !s.HasExited))).EnumerateArray()
            .ToDictionary(r => r.GetProperty("relayId").GetString()!, r => r.GetProperty("health").GetString()!);

    private async Task<Dictionary<string, int>> StampCountsAsync()
    {
        var counts = new Dictionary<string, int>();
        foreach (var relay in _relays.Keys)
        {
            counts[relay] = (await GetAsync($"/api/v1/relays/{relay}/stamps")).GetArrayLength();
        }
        return counts;
    }

    private async Task<Dictionary<string, long>> StakesAsync()
    {
        var stakes = new Dictionary<string, long>();
        foreach (var relay in _relays.Keys)
        {
            stakes[relay] = (await GetAsync($"/api/v1/relays/{relay}/stake")).GetProperty("staked").GetInt64();
        }
        return stakes;
    }

    private async Task<JsonElement> GetAsync(string path, SiloProcess? silo = null) =>
        await (silo ?? _silos[1]).Http.GetFromJsonAsync<JsonElement>(path, Json);

    private static async Task<HttpResponseMessage> OperatorGetAsync(string path, SiloProcess silo)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", Token);
        return await silo.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> OperatorPostAsync(string path, object body, SiloProcess? silo = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType()) };
        request.Headers.Authorization = new("Bearer", Token);
        var response = await (silo ?? _silos[0]).Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>Holds a WebSocket on <c>/api/v1/events</c> and keeps every event it receives.</summary>
    private sealed class EventRecorder : IDisposable
    {
        private readonly System.Net.WebSockets.ClientWebSocket _socket = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(long Sequence, string Type)> _received = [];
        private readonly Task _loop;

        public EventRecorder(int port)
        {
            _socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/api/v1/events?after=0"), CancellationToken.None).GetAwaiter().GetResult();
            _loop = Task.Run(ReceiveAsync);
        }

        public List<(long Sequence, string Type)> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[1 << 20];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var count = 0;
                    System.Net.WebSockets.ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token);
                        count += result.Count;
                    }
                    while (!result.EndOfMessage);
                    if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                    {
                        return;
                    }
                    using var message = JsonDocument.Parse(buffer.AsMemory(0, count));
                    lock (_received)
                    {
                        _received.Add((message.RootElement.GetProperty("sequence").GetInt64(), message.RootElement.GetProperty("type").GetString()!));
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
                // The test is over, or the silo went away.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(5));
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
