using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Tests.Federated;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.Tests.Marketplace;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// Reputation drives discovery, on PostgreSQL through the gateway: two relays alike in every routing input, each with one
/// stamped game; the tie goes to the smaller id until the other's stamp trains a promoted model. Then a dropped-out round
/// and a quarantine take reputation away. Each change is recorded once under its event key, however often its cause is
/// retried.
/// </summary>
public sealed class ReputationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const long Mcp = 1_000_000_000;

    [Fact]
    public async Task RelayWhoseDataTrainedThePromotedModelWinsTheTieItUsedToLose()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 200);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var operatorClient = host.CreateClient();
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);
        using var a = new TestRelay("rep-a");
        using var b = new TestRelay("rep-b");
        foreach (var relay in new[] { a, b })
        {
            Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays", relay.Registration())).Status);
        }
        using var beating = new CancellationTokenSource();
        var heartbeats = StampApiTests.KeepBeatingAsync(client, [a, b], beating.Token);

        // One consensus game each, stamped by the relay that carried it: 51 and 51.
        foreach (var relay in new[] { a, b })
        {
            await StampApiTests.Fund(operatorClient, "fund-" + relay.RelayId, "relay:" + relay.RelayId, Mcp);
            await StampApiTests.PlayAsync(client, relay, relay.RelayId + "-g1", disputed: false);
            var stamped = await relay.SendAsync(client, HttpMethod.Post, "/api/v1/stamps/batch", new[] { new { gameId = relay.RelayId + "-g1", consensus = true } });
            Assert.Equal(1, stamped.Body.GetProperty("stampsCreated").GetInt32());
        }
        Assert.Equal((51, 51), (await ReputationAsync(client, "rep-a"), await ReputationAsync(client, "rep-b")));

        // Alike in everything, so the tie goes to the smaller id.
        var before = await RouteAsync(client);
        Assert.Equal("rep-a", before.GetProperty("relayId").GetString());
        Assert.Equal(51, before.GetProperty("score").GetProperty("reputation").GetInt32());
        Assert.Equal(4.9, before.GetProperty("score").GetProperty("reputationPenaltyMs").GetDouble(), 6);

        // A version trained on rep-b's stamp is promoted; the promotion is repeated, as a retried settlement would.
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        var store = host.Services.GetRequiredService<IFederatedStore>();
        var genesis = await registry.CurrentAsync();
        var hash = await TestVersions.InsertMovedAsync(registry, store, genesis, (w, i) => w + (0.01f * MathF.Cos(i)), ["rep-b-g1"], "reputation test");
        Assert.True((await registry.PromoteAsync(hash)).Promoted);
        await registry.PromoteAsync(hash);
        Assert.Equal((51, 53), (await ReputationAsync(client, "rep-a"), await ReputationAsync(client, "rep-b")));

        var after = await RouteAsync(client);
        Assert.Equal("rep-b", after.GetProperty("relayId").GetString());
        Assert.Equal(53, after.GetProperty("score").GetProperty("reputation").GetInt32());
        Assert.Equal(4.7, after.GetProperty("score").GetProperty("reputationPenaltyMs").GetDouble(), 6);
        Assert.Equal(1, after.GetProperty("score").GetProperty("reputationWeight").GetInt32());

        // rep-b drops out of a round (recorded twice, counted once): 50, and the tie is rep-a's again.
        var now = DateTimeOffset.UtcNow;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await store.RecordStandingAsync("rep-b", "round-rep", included: false, now, ReputationRules.ForRound("round-rep", "rep-b", RoundParticipation.DroppedOut));
        }
        Assert.Equal(50, await ReputationAsync(client, "rep-b"));
        Assert.Equal("rep-a", (await RouteAsync(client)).GetProperty("relayId").GetString());

        // A quarantine costs rep-a ten points (and takes it out of routing while it lasts).
        Assert.True(await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IRelayHealthMonitorGrain>(ISingletonGrain.Key).Quarantine("rep-a", "test"));
        Assert.Equal(41, await ReputationAsync(client, "rep-a"));
        Assert.Equal("rep-b", (await RouteAsync(client)).GetProperty("relayId").GetString());

        // Where each point came from, one row per event.
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT count(*) FROM relays.reputation_events WHERE relay_id = 'rep-b'"));
        Assert.Equal(-3L, await database.ScalarAsync<long>("SELECT points FROM relays.reputation_sources WHERE relay_id = 'rep-b' AND source = 'round'"));
        Assert.Equal(-10L, await database.ScalarAsync<long>("SELECT points FROM relays.reputation_sources WHERE relay_id = 'rep-a' AND source = 'quarantine'"));
        await beating.CancelAsync();
        await heartbeats;
    }

    private static async Task<int> ReputationAsync(HttpClient client, string relayId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/relays/{relayId}")).GetProperty("reputation").GetInt32();

    private static async Task<JsonElement> RouteAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/route", new { playerId = "rep-player", latitude = 52.0, longitude = 4.5, gameType = "standard" });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
