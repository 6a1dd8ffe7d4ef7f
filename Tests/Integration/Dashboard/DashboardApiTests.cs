using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Marketplace;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Dashboard;

/// <summary>The dashboard's data on the real PostgreSQL: what it reports is what the event log and the ledger hold.</summary>
public sealed class DashboardApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task TheOverviewCountsActiveGamesByClassAndReportsTheLedgersTokenFlowExactly()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 200);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        // Games: two teaching, one dogfight, and a standard one that ends (by resignation and agreed claims).
        await grains.GetGrain<IGameGrain>("t1").Create(new GameSpec("a", "b", 9, 7.5, 0, "chinese", false, GameClass.Teaching));
        await grains.GetGrain<IGameGrain>("t2").Create(new GameSpec("c", "d", 9, 7.5, 0, "chinese", false, GameClass.Teaching));
        await grains.GetGrain<IGameGrain>("t2").Create(new GameSpec("c", "d", 9, 7.5, 0, "chinese", false, GameClass.Teaching)); // a retry counts once
        await grains.GetGrain<IGameGrain>("d1").Create(new GameSpec("e", "f", 19, 6.5, 0, "japanese", false, GameClass.Dogfight));
        var ended = grains.GetGrain<IGameGrain>("s1");
        await ended.Create(new GameSpec("g", "h", 9, 7.5, 0, "chinese", false));
        await ended.Play(new MoveSubmission("g", 1, "resign"));
        await ended.SubmitResult(new ResultClaim("g", "W+R"));
        await ended.SubmitResult(new ResultClaim("h", "W+R"));

        // Money: a game reward, a subsidy and an inference payment of 1,000 base units.
        var market = grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        await market.SubmitTransfers([new("seed-rewards", SystemAccounts.Treasury, SystemAccounts.RewardPool, Mcp.Of(100), TransferCodes.Issuance)]);
        await market.RewardGame(new GameRewardRequest("t1", "a", "b", GameClass.Teaching, 8_000, 9_000, 1_000));
        var rewardPaid = (await market.GetAccount("player:a"))!.Balance + (await market.GetAccount("player:b"))!.Balance;
        await market.CreateAccount(SystemAccounts.Wallet("sponsor", AccountKind.Trainer));
        await market.SubmitTransfers([new("seed-sponsor", SystemAccounts.Treasury, "sponsor", Mcp.Of(1), TransferCodes.Issuance)]);
        await market.FundSubsidyPool("f1", "sponsor", Mcp.Unit);
        await market.PaySubsidy("r1", SubsidyReason.HighQualityData, "batch-1");
        await market.CreateAccount(SystemAccounts.Wallet("client-x", AccountKind.ApiClient));
        await market.SubmitTransfers([new("seed-client", SystemAccounts.Treasury, "client-x", 1_000, TransferCodes.Issuance)]);
        await market.PayForInference(new InferencePaymentRequest("pay-1", "client-x", 1_000, ["a", "b", "c"], ["r1", "r2"], ["t1"]));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/dashboard/api/overview")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);
        var response = await client.GetAsync("/dashboard/api/overview?windowSeconds=600&bucketSeconds=60");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var overview = await response.Content.ReadFromJsonAsync<JsonElement>();

        var games = overview.GetProperty("games");
        Assert.Equal(3, games.GetProperty("active").GetInt32());
        Assert.Equal(2, games.GetProperty("byClass").GetProperty("teaching").GetInt32());
        Assert.Equal(1, games.GetProperty("byClass").GetProperty("dogfight").GetInt32());
        Assert.Equal(0, games.GetProperty("byClass").GetProperty("standard").GetInt32());
        Assert.DoesNotContain(games.GetProperty("recent").EnumerateArray(), g => g.GetProperty("gameId").GetString() == "s1");

        var flow = overview.GetProperty("tokenFlow");
        var totals = flow.GetProperty("totals");
        long Total(string name) => totals.GetProperty(name).GetInt64();
        Assert.Equal(1_000, Total("inferenceRevenue"));
        // 40 % among three data contributors is 133 each; the unit left over goes to the treasury with its 10 %.
        Assert.Equal((399L, 300L, 200L, 101L), (Total("dataShare"), Total("relayShare"), Total("trainerShare"), Total("treasuryShare")));
        Assert.True(rewardPaid > 0);
        Assert.Equal(rewardPaid, Total("rewards"));
        Assert.Equal((await market.GetAccount("relay:r1"))!.Balance - 150, Total("subsidies")); // r1 also took half the relays' 30 %
        // The buckets add up to the totals, and the window is cut in minutes: 10 or 11 buckets of 60 s.
        var buckets = flow.GetProperty("buckets").EnumerateArray().ToList();
        Assert.InRange(buckets.Count, 10, 11);
        Assert.Equal(Total("inferenceRevenue"), buckets.Sum(b => b.GetProperty("inferenceRevenue").GetInt64()));
        Assert.Equal(Total("rewards"), buckets.Sum(b => b.GetProperty("rewards").GetInt64()));

        var network = overview.GetProperty("network");
        Assert.Contains(network.GetProperty("silos").EnumerateArray(), s => s.GetProperty("status").GetString() == "active");
        Assert.Contains(overview.GetProperty("models").EnumerateArray(), m => m.GetProperty("promoted").GetBoolean());
        Assert.Contains(overview.GetProperty("recentEvents").EnumerateArray(), e => e.GetProperty("type").GetString() == "game_ended" && e.GetProperty("subject").GetString() == "s1");
    }

    [Fact]
    public async Task TheDashboardRoutesRefuseBadWindowsServeThePageAndKeepOrleansDashboardBesideIt()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);

        var network = await client.GetAsync("/api/v1/network");
        Assert.Equal(HttpStatusCode.OK, network.StatusCode); // public
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/dashboard/api/relays/r1/economics")).StatusCode);
        var status = await client.GetAsync("/status/");
        Assert.Equal("text/html", status.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", status.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/assets/dashboard/dashboard.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/assets/dashboard/uPlot.iife.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/assets/dashboard/../appsettings.json")).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dashboard/orleans/")).StatusCode);
        var unknown = await client.GetAsync("/dashboard/api/relays/nobody/economics");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown_relay", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        // Without federated learning configured the page still draws: the registry's panel says why it is empty.
        var overview = await client.GetFromJsonAsync<JsonElement>("/dashboard/api/overview");
        Assert.Empty(overview.GetProperty("models").EnumerateArray());
        Assert.StartsWith("registry_not_configured", overview.GetProperty("modelsUnavailable").GetString(), StringComparison.Ordinal);
        foreach (var query in new[] { "windowSeconds=0", "bucketSeconds=1&windowSeconds=86400", "windowSeconds=99999999" })
        {
            var refused = await client.GetAsync($"/dashboard/api/overview?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("invalid_window", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
    }
}
