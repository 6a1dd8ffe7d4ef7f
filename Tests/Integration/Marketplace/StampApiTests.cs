using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.Tests.Ledger;

namespace OrleansGoRelay.Tests.Marketplace;

/// <summary>
/// Training stamps, models, burns and the subsidies they trigger, through the routes with relay-signed requests and
/// against hand-computed figures: deposit 0.01 MCP = 10,000,000 units; HighQualityData 100,000,000;
/// ConsistentParticipation 50,000,000; ModelImprovement 500,000,000; a burn returns the deposit less a tenth per use.
/// </summary>
public sealed class StampApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const long Mcp = 1_000_000_000;
    private const long Deposit = Mcp / 100;

    [Fact]
    public async Task StampsModelsAndBurnsMoveTokensAsTheDesignSays()
    {
        var clock = new ShiftedClock();
        await using var host = SiloHosts.Create(database.ConnectionString)
            .WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var operatorClient = host.CreateOperatorClient();
        using var r1 = new TestRelay("stamp-r1", clock);
        using var r2 = new TestRelay("stamp-r2", clock);

        Assert.Equal(HttpStatusCode.Created, (await r1.SendAsync(client, HttpMethod.Post, "/api/v1/relays", r1.Registration())).Status);
        Assert.Equal(HttpStatusCode.Created, (await r2.SendAsync(client, HttpMethod.Post, "/api/v1/relays", r2.Registration())).Status);
        // Both relays stay healthy while the test runs: a relay silent for 3 s would be declared dead (its address refuses
        // probes) and its games failed over to the other, which would then have carried them.
        using var beating = new CancellationTokenSource();
        var heartbeats = KeepBeatingAsync(client, [r1, r2], beating.Token);
        await Fund(operatorClient, "fund-r1", "relay:stamp-r1", Mcp);
        Assert.Equal(HttpStatusCode.Created, (await TestRelay.PostAsync(operatorClient, "/api/v1/subsidy-pool/fund", new { fromAccountId = "treasury", amount = 10 * Mcp, fundingId = "pool-1" })).Status);

        // Twelve games through relay r1: eleven end with consensus, one in a dispute.
        var games = Enumerable.Range(1, 12).Select(i => $"stamp-g{i}").ToList();
        foreach (var game in games)
        {
            await PlayAsync(client, r1, game, disputed: game == games[^1]);
        }
        var batch = games.Select((g, i) => new { gameId = g, consensus = i < 11 }).ToList();
        var first = await r1.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/batch", batch);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(11, first.Body.GetProperty("stampsCreated").GetInt32());
        Assert.Equal(1, first.Body.GetProperty("discarded").GetInt32());
        Assert.Equal(["high_quality_data", "consistent_participation"], first.Body.GetProperty("subsidies").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Mcp - 11 * Deposit + Mcp / 10 + Mcp / 20, await BalanceAsync(operatorClient, "relay:stamp-r1"));
        Assert.Equal(11 * Deposit, await BalanceAsync(operatorClient, "stamp-escrow"));
        Assert.Equal(61, (await client.GetFromJsonAsync<JsonElement>("/api/v1/relays/stamp-r1")).GetProperty("reputation").GetInt32());

        // A retried batch stamps nothing twice and pays nothing twice; a disputed game marked consensus is refused.
        var again = await r1.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/batch", games.Select(g => new { gameId = g, consensus = true }));
        Assert.Equal(0, again.Body.GetProperty("stampsCreated").GetInt32());
        Assert.Equal(0, again.Body.GetProperty("subsidies").GetArrayLength());
        var refusals = again.Body.GetProperty("refused").EnumerateArray().ToDictionary(r => r.GetProperty("gameId").GetString()!, r => r.GetProperty("code").GetString());
        Assert.Equal("no_consensus", refusals["stamp-g12"]);
        Assert.Equal("already_stamped", refusals["stamp-g1"]);
        Assert.Equal(Mcp - 11 * Deposit + Mcp / 10 + Mcp / 20, await BalanceAsync(operatorClient, "relay:stamp-r1"));

        // r2 carried none of these games: it may neither stamp nor train on them.
        await PlayAsync(client, r1, "stamp-g13", disputed: false);
        var foreign = await r2.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/batch", new[] { new { gameId = "stamp-g13", consensus = true } });
        Assert.Equal("not_your_game", foreign.Body.GetProperty("refused")[0].GetProperty("code").GetString());
        var model = new { modelHash = "ab12cd34ef56ab12cd34ef56", generation = 3, stampIds = new[] { "stamp-g1", "stamp-g2", "stamp-g3" }, performance = new { winRate = 65.0, predictionAccuracy = 75.0, styleConsistency = 50.0 } };
        await AssertProblemAsync(await r2.SendAsync(client, HttpMethod.Post, "/api/v1/models", model), HttpStatusCode.Forbidden, "stamp_not_accessible");

        var recorded = await r1.SendAsync(client, HttpMethod.Post, "/api/v1/models", model);
        Assert.Equal(HttpStatusCode.Created, recorded.Status);
        Assert.Equal("created", recorded.Body.GetProperty("modelImprovementSubsidy").GetString());
        var contributors = recorded.Body.GetProperty("contributors").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("stamps").GetInt32());
        Assert.Equal(3, contributors["stamp-r1"]);
        Assert.Equal(1, contributors["black-stamp-g1"]);
        Assert.Equal(7, contributors.Count);
        var repeated = await r1.SendAsync(client, HttpMethod.Post, "/api/v1/models", model);
        Assert.Equal((HttpStatusCode.OK, "exists"), (repeated.Status, repeated.Body.GetProperty("modelImprovementSubsidy").GetString()));
        await AssertProblemAsync(await r1.SendAsync(client, HttpMethod.Post, "/api/v1/models", model with { generation = 4 }), HttpStatusCode.Conflict, "model_exists");
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/v1/stamps/stamp-g1")).GetProperty("uses").GetInt32());

        // Burning: too young, not the owner, then after 31 days a used and an unused stamp.
        var burn = new { relayId = "stamp-r1", stampIds = new[] { "stamp-g1", "stamp-g4" } };
        await AssertProblemAsync(await r1.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/burn", burn), (HttpStatusCode)422, "stamp_too_young");
        await AssertProblemAsync(await r2.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/burn", new { relayId = "stamp-r2", stampIds = new[] { "stamp-g1" } }), HttpStatusCode.Forbidden, "stamp_not_owned");
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/relays/stamp-r1/burnable-stamps?page=1")).GetArrayLength());
        await beating.CancelAsync();
        await heartbeats;
        clock.Advance(TimeSpan.FromDays(31));
        var page1 = await client.GetFromJsonAsync<JsonElement>("/api/v1/relays/stamp-r1/burnable-stamps?page=1&pageSize=10");
        var page2 = await client.GetFromJsonAsync<JsonElement>("/api/v1/relays/stamp-r1/burnable-stamps?page=2&pageSize=10");
        Assert.Equal((10, 1), (page1.GetArrayLength(), page2.GetArrayLength()));
        var before = await BalanceAsync(operatorClient, "relay:stamp-r1");
        var burned = await r1.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/burn", burn);
        Assert.Equal(HttpStatusCode.OK, burned.Status);
        Assert.Equal(2, burned.Body.GetProperty("burned").GetInt32());
        Assert.Equal(Deposit * 9 / 10 + Deposit, burned.Body.GetProperty("depositReturned").GetInt64());
        Assert.Equal(Deposit / 10, burned.Body.GetProperty("depositKept").GetInt64());
        Assert.Equal(before + Deposit * 19 / 10, await BalanceAsync(operatorClient, "relay:stamp-r1"));
        Assert.Equal(0, (await r1.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/burn", burn)).Body.GetProperty("burned").GetInt32());
        await AssertProblemAsync(await r1.SendAsync(client, HttpMethod.Post, "/api/v1/models", new { modelHash = "ffff0000ffff0000ffff", generation = 1, stampIds = new[] { "stamp-g1" }, performance = new { winRate = 1.0, predictionAccuracy = 1.0, styleConsistency = 1.0 } }),
            (HttpStatusCode)422, "stamp_burned");

        await SiloHosts.AssertLedgerVerifiesAsync(operatorClient);
    }

    [Fact]
    public async Task RelayRequestsMustBeSignedFreshAndNeverReplayed()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        using var relay = new TestRelay("sig-r1");
        using var impostor = new TestRelay("sig-r1");
        Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays", relay.Registration())).Status);
        await AssertProblemAsync(await impostor.SendAsync(client, HttpMethod.Post, "/api/v1/relays", impostor.Registration()), HttpStatusCode.Conflict, "relay_key_mismatch");

        var heartbeat = new { sessions = 3, latencyMs = 4.5, bandwidthMbps = 0.0, circuits = 1, cpuPercent = 2.0 };
        using (var request = relay.CreateSignedRequest(HttpMethod.Post, "/api/v1/relays/sig-r1/heartbeat", heartbeat))
        {
            var body = await request.Content!.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.OK, (await TestRelay.ReadAsync(await client.SendAsync(request))).Status);
            using var replay = new HttpRequestMessage(HttpMethod.Post, request.RequestUri) { Content = new ByteArrayContent(body) };
            replay.Content.Headers.ContentType = new("application/json");
            foreach (var header in request.Headers)
            {
                replay.Headers.Add(header.Key, header.Value);
            }
            await AssertProblemAsync(await TestRelay.ReadAsync(await client.SendAsync(replay)), HttpStatusCode.Conflict, "replayed_request");
        }
        await AssertProblemAsync(await impostor.SendAsync(client, HttpMethod.Post, "/api/v1/relays/sig-r1/heartbeat", heartbeat), HttpStatusCode.Unauthorized, "bad_signature");
        await AssertProblemAsync(await TestRelay.PostAsync(client, "/api/v1/relays/sig-r1/heartbeat", heartbeat), HttpStatusCode.Unauthorized, "signature_required");
        using var stale = new TestRelay("sig-r1", new ManualClock(DateTimeOffset.UtcNow.AddMinutes(-5)));
        await AssertProblemAsync(await stale.SendAsync(client, HttpMethod.Post, "/api/v1/relays/sig-r1/heartbeat", heartbeat), HttpStatusCode.Unauthorized, "stale_request");
        var listed = await client.GetFromJsonAsync<JsonElement>("/api/v1/relays/sig-r1");
        Assert.Equal(("healthy", 3), (listed.GetProperty("health").GetString(), listed.GetProperty("load").GetProperty("sessions").GetInt32()));
    }

    /// <summary>Plays a short game whose two sessions are on the relay, ending in consensus or a dispute.</summary>
    internal static async Task KeepBeatingAsync(HttpClient client, IReadOnlyList<TestRelay> relays, CancellationToken stop)
    {
        var heartbeat = new { sessions = 0, latencyMs = 1.0, bandwidthMbps = 0.0, circuits = 0, cpuPercent = 1.0 };
        while (!stop.IsCancellationRequested)
        {
            foreach (var relay in relays)
            {
                await relay.SendAsync(client, HttpMethod.Post, $"/api/v1/relays/{relay.RelayId}/heartbeat", heartbeat);
            }
            try
            {
                await Task.Delay(500, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal static async Task PlayAsync(HttpClient client, TestRelay relay, string gameId, bool disputed)
    {
        string black = "black-" + gameId, white = "white-" + gameId;
        Assert.Equal(HttpStatusCode.Created, (await TestRelay.PostAsync(client, "/api/v1/games", new { gameId, black, white, size = 9 })).Status);
        foreach (var player in new[] { black, white })
        {
            Assert.Equal(HttpStatusCode.OK, (await relay.SendAsync(client, HttpMethod.Post, $"/api/v1/games/{gameId}/sessions", new { player })).Status);
        }
        string[] moves = ["C3", "G7", "pass", "pass"];
        for (var i = 0; i < moves.Length; i++)
        {
            var status = (await TestRelay.PostAsync(client, $"/api/v1/games/{gameId}/moves", new { player = i % 2 == 0 ? black : white, moveNumber = i + 1, move = moves[i] })).Status;
            Assert.Equal(HttpStatusCode.OK, status);
        }
        await TestRelay.PostAsync(client, $"/api/v1/games/{gameId}/result", new { player = black, result = "W+7.5" });
        await TestRelay.PostAsync(client, $"/api/v1/games/{gameId}/result", new { player = white, result = disputed ? "B+1.5" : "W+7.5" });
    }

    internal static async Task Fund(HttpClient operatorClient, string id, string account, long amount) =>
        Assert.Equal(HttpStatusCode.Created, (await TestRelay.PostAsync(operatorClient, "/api/v1/transfers", new { transferId = id, debitAccountId = "treasury", creditAccountId = account, amount, code = 1 })).Status);

    internal static async Task<long> BalanceAsync(HttpClient operatorClient, string account) =>
        (await operatorClient.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{account}")).GetProperty("balance").GetInt64();

    internal static Task AssertProblemAsync((HttpStatusCode Status, JsonElement Body) answer, HttpStatusCode status, string code)
    {
        Assert.Equal((status, code), (answer.Status, answer.Body.GetProperty("code").GetString()));
        return Task.CompletedTask;
    }
}
