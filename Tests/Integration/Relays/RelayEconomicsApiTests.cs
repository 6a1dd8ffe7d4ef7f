using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.Tests.Ledger;
using OrleansGoRelay.Tests.Marketplace;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// <c>GET /api/v1/relays/{relayId}/economics</c> on the real silo host and PostgreSQL, after real flows: a stake, a
/// batch of ten stamps (deposits, HighQualityData and ConsistentParticipation), a model (ModelImprovement, one use of
/// a stamp), an inference revenue share, and burns 31 days later (deposits returned, a tenth forfeited). Every total
/// is checked against the ledger's own rows, summed by SQL as an analyst would.
/// </summary>
public sealed class RelayEconomicsApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const long Mcp = 1_000_000_000;
    private const long Deposit = Mcp / 100;
    private const string RelayId = "econ-r1";

    [Fact]
    public async Task TheEconomicsRouteSumsTheRelaysLedgerTransfersExactly()
    {
        var clock = new ShiftedClock();
        await using var host = SiloHosts.Create(database.ConnectionString)
            .WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var operatorClient = host.CreateOperatorClient();
        using var relay = new TestRelay(RelayId, clock);
        using var other = new TestRelay("econ-r2", clock);
        Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays", relay.Registration())).Status);
        Assert.Equal(HttpStatusCode.Created, (await other.SendAsync(client, HttpMethod.Post, "/api/v1/relays", other.Registration())).Status);
        using var beating = new CancellationTokenSource();
        var heartbeats = StampApiTests.KeepBeatingAsync(client, [relay, other], beating.Token);
        await OperatorTransferAsync(operatorClient, "econ-fund", "treasury", "relay:" + RelayId, Mcp, code: 1);
        Assert.Equal(HttpStatusCode.Created, (await TestRelay.PostAsync(operatorClient, "/api/v1/subsidy-pool/fund", new { fromAccountId = "treasury", amount = 10 * Mcp, fundingId = "econ-pool" })).Status);

        // A fresh relay: nothing earned, nothing spent, and with nothing stamped yet no reason to hold a game back.
        var fresh = await EconomicsAsync(operatorClient, "?pending=3");
        Assert.Equal((0L, 0L, JsonValueKind.Null), (fresh.GetProperty("earned").GetInt64(), fresh.GetProperty("spent").GetInt64(), fresh.GetProperty("roiBasisPoints").ValueKind));
        Assert.Equal(("submit_now", 0.0), (fresh.GetProperty("advice").GetProperty("action").GetString(), fresh.GetProperty("advice").GetProperty("consensusGamesPerHour").GetDouble()));

        Assert.Equal(HttpStatusCode.OK, (await relay.SendAsync(client, HttpMethod.Post, $"/api/v1/relays/{RelayId}/stake", new { amount = 300_000_000, requestId = "s1" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await relay.SendAsync(client, HttpMethod.Post, $"/api/v1/relays/{RelayId}/stake", new { amount = -100_000_000, requestId = "s2" })).Status);
        var games = Enumerable.Range(1, 10).Select(i => $"econ-g{i}").ToList();
        foreach (var game in games)
        {
            await StampApiTests.PlayAsync(client, relay, game, disputed: false);
        }
        var batch = await relay.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/batch", games.Select(g => new { gameId = g, consensus = true }));
        Assert.Equal(10, batch.Body.GetProperty("stampsCreated").GetInt32());
        var model = new { modelHash = "ec0ec0ec0ec0ec0ec0ec0ec0", generation = 1, stampIds = new[] { games[0] }, performance = new { winRate = 65.0, predictionAccuracy = 75.0, styleConsistency = 50.0 } };
        Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/models", model)).Status);
        // The relay maintainers' share of an inference payment, under its transfer code (a channel settles through the same code).
        await OperatorTransferAsync(operatorClient, "econ-revenue", "treasury", "relay:" + RelayId, 30_000, code: 21);
        await beating.CancelAsync();
        await heartbeats;
        clock.Advance(TimeSpan.FromDays(31));
        var burned = await relay.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/burn", new { relayId = RelayId, stampIds = new[] { games[0], games[1] } });
        Assert.Equal(Deposit * 19 / 10, burned.Body.GetProperty("depositReturned").GetInt64());

        var economics = await EconomicsAsync(operatorClient, "?bucket=day&buckets=40");
        var totals = economics.GetProperty("totals").EnumerateArray().ToDictionary(t => t.GetProperty("category").GetString()!, t => t.GetProperty("amount").GetInt64());
        var wallet = "relay:" + RelayId;
        Assert.Equal(await SumAsync("credit_account_id = $1 AND code = 41", wallet), totals["subsidy_high_quality_data"]);
        Assert.Equal(await SumAsync("credit_account_id = $1 AND code = 42", wallet), totals["subsidy_model_improvement"]);
        Assert.Equal(await SumAsync("credit_account_id = $1 AND code = 43", wallet), totals["subsidy_consistent_participation"]);
        Assert.Equal(await SumAsync("credit_account_id = $1 AND code = 21", wallet), totals["revenue_relay_share"]);
        Assert.Equal(await SumAsync("credit_account_id = $1 AND code = 51", wallet), totals["deposit_returned"]);
        Assert.Equal(await SumAsync("debit_account_id = $1 AND code = 50", wallet), totals["stamp_deposit"]);
        Assert.Equal(await SumAsync("debit_account_id = $1 AND code = 70", wallet) - await SumAsync("credit_account_id = $1 AND code = 71", wallet), totals["stake"]);
        Assert.Equal(await SumAsync("credit_account_id = $1 AND code = 1", wallet), totals["other_in"]);
        // And against the design's figures: 0.1 + 0.5 + 0.05 MCP of subsidies, ten deposits, a net stake of 0.2 MCP.
        Assert.Equal((Mcp / 10, Mcp / 2, Mcp / 20, 10 * Deposit, 200_000_000L, 30_000L, Deposit * 19 / 10),
            (totals["subsidy_high_quality_data"], totals["subsidy_model_improvement"], totals["subsidy_consistent_participation"], totals["stamp_deposit"], totals["stake"],
             totals["revenue_relay_share"], totals["deposit_returned"]));
        var earned = (Mcp / 10) + (Mcp / 2) + (Mcp / 20) + 30_000 + (Deposit * 19 / 10);
        var spent = (10 * Deposit) + 200_000_000;
        Assert.Equal((earned, spent, earned - spent), (economics.GetProperty("earned").GetInt64(), economics.GetProperty("spent").GetInt64(), economics.GetProperty("net").GetInt64()));
        var deposits = economics.GetProperty("deposits");
        Assert.Equal((10 * Deposit, Deposit * 19 / 10, Deposit / 10, 8 * Deposit),
            (deposits.GetProperty("paid").GetInt64(), deposits.GetProperty("returned").GetInt64(), deposits.GetProperty("forfeited").GetInt64(), deposits.GetProperty("inEscrow").GetInt64()));
        Assert.Equal(await SumAsync("code = 52 AND reference = ANY($2)", wallet, games.ToArray()), deposits.GetProperty("forfeited").GetInt64());

        // The accounts hold what the route says they do, and the series adds up to the net.
        var balances = economics.GetProperty("accounts").EnumerateArray().ToDictionary(a => a.GetProperty("accountId").GetString()!, a => a.GetProperty("balance").GetInt64());
        Assert.Equal(await StampApiTests.BalanceAsync(operatorClient, wallet), balances[wallet]);
        Assert.Equal(200_000_000, balances["stake:" + RelayId]);
        Assert.Equal(earned - (10 * Deposit) + Mcp, balances.Values.Sum());
        var series = economics.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(40, series.Count);
        Assert.Equal(economics.GetProperty("net").GetInt64(), series.Sum(b => b.GetProperty("net").GetInt64()));
        Assert.Equal(economics.GetProperty("net").GetInt64(), series[^1].GetProperty("cumulativeNet").GetInt64());

        await SiloHosts.AssertLedgerVerifiesAsync(operatorClient);
    }

    [Fact]
    public async Task OnlyTheOperatorOrTheRelayItselfReadsAndUnknownRelaysAreProblems()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var operatorClient = host.CreateOperatorClient();
        using var relay = new TestRelay("econ-auth-r1");
        using var other = new TestRelay("econ-auth-r2");
        Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays", relay.Registration())).Status);
        Assert.Equal(HttpStatusCode.Created, (await other.SendAsync(client, HttpMethod.Post, "/api/v1/relays", other.Registration())).Status);
        const string path = "/api/v1/relays/econ-auth-r1/economics";

        var own = await relay.SendAsync(client, HttpMethod.Get, path + "?pending=4&waitedSeconds=30", null);
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal((4, 30L, 120L), (own.Body.GetProperty("advice").GetProperty("pendingGames").GetInt32(),
            own.Body.GetProperty("advice").GetProperty("waitedSeconds").GetInt64(), own.Body.GetProperty("advice").GetProperty("maxWaitSeconds").GetInt64()));
        Assert.Equal(48, own.Body.GetProperty("series").GetArrayLength());
        await StampApiTests.AssertProblemAsync(await other.SendAsync(client, HttpMethod.Get, path, null), HttpStatusCode.Forbidden, "relay_id_mismatch");
        await StampApiTests.AssertProblemAsync(await TestRelay.ReadAsync(await client.GetAsync(path)), HttpStatusCode.Unauthorized, "operator_token_required");
        await StampApiTests.AssertProblemAsync(await TestRelay.ReadAsync(await operatorClient.GetAsync("/api/v1/relays/econ-nobody/economics")), HttpStatusCode.NotFound, "unknown_relay");
        await StampApiTests.AssertProblemAsync(await TestRelay.ReadAsync(await operatorClient.GetAsync(path + "?bucket=fortnight")), HttpStatusCode.BadRequest, "invalid_bucket");
        await StampApiTests.AssertProblemAsync(await TestRelay.ReadAsync(await operatorClient.GetAsync(path + "?buckets=1001")), HttpStatusCode.BadRequest, "invalid_buckets");
        await StampApiTests.AssertProblemAsync(await TestRelay.ReadAsync(await operatorClient.GetAsync(path + "?pending=-1")), HttpStatusCode.BadRequest, "invalid_pending");
        var minutes = await EconomicsAsync(operatorClient, "?bucket=minute&buckets=5", "econ-auth-r1");
        Assert.Equal(("minute", 5), (minutes.GetProperty("bucket").GetString(), minutes.GetProperty("series").GetArrayLength()));
    }

    private async Task<long> SumAsync(string where, string wallet, string[]? references = null)
    {
        var sql = $"SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger.transfers WHERE kind IN ('immediate', 'post') AND {where}";
        return references is null
            ? await database.ScalarAsync<long>(sql, wallet)
            : await database.ScalarAsync<long>(sql, wallet, references);
    }

    private static async Task<JsonElement> EconomicsAsync(HttpClient operatorClient, string query, string relayId = RelayId)
    {
        var answer = await TestRelay.ReadAsync(await operatorClient.GetAsync($"/api/v1/relays/{relayId}/economics{query}"));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Body;
    }

    private static async Task OperatorTransferAsync(HttpClient operatorClient, string id, string from, string to, long amount, int code) =>
        Assert.Equal(HttpStatusCode.Created, (await TestRelay.PostAsync(operatorClient, "/api/v1/transfers", new { transferId = id, debitAccountId = from, creditAccountId = to, amount, code })).Status);
}
