using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Federated;

/// <summary>
/// The registry, stakes and round refusals through the gateway (one silo in process, on PostgreSQL): the genesis version
/// is measured and downloadable, a stake is a ledger balance only the relay's signed requests move, and a round that
/// cannot run is refused with a problem before any relay trains for it.
/// </summary>
public sealed class FederatedApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const long Mcp = 1_000_000_000;

    [Fact]
    public async Task TheGenesisVersionIsMeasuredStakesAreLedgerBalancesAndUnrunnableRoundsAreRefused()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 500);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var operatorClient = host.CreateClient();
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);

        // The registry starts with its genesis version, promoted, measured on 500 held-out positions, with its files.
        var current = await client.GetFromJsonAsync<JsonElement>("/api/v1/models/current");
        Assert.True(current.GetProperty("promoted").GetBoolean());
        Assert.Equal(1, current.GetProperty("version").GetInt32());
        Assert.Equal(500, current.GetProperty("metrics").GetProperty("positions").GetInt32());
        Assert.InRange(current.GetProperty("metrics").GetProperty("top1").GetDouble(), 0, 100);
        Assert.Equal(9, current.GetProperty("shape").GetProperty("boardSize").GetInt32());
        var hash = current.GetProperty("modelHash").GetString()!;
        var onnx = await client.GetByteArrayAsync($"/api/v1/models/{hash}/onnx");
        Assert.True(onnx.Length > 1000);
        var weights = await client.GetByteArrayAsync($"/api/v1/models/{hash}/weights");
        Assert.Equal(4 * current.GetProperty("parameters").GetInt32(), weights.Length);
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/v1/models")).EnumerateArray());
        await AssertProblemAsync(await client.GetAsync("/api/v1/models/0123456789abcdef0123"), HttpStatusCode.NotFound, "unknown_model");

        using var relay = new TestRelay("fl-api-r1");
        Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays", relay.Registration())).Status);
        (await operatorClient.PostAsJsonAsync("/api/v1/transfers", new { transferId = "fund-fl-api-r1", debitAccountId = "treasury", creditAccountId = "relay:fl-api-r1", amount = Mcp, code = 1 })).EnsureSuccessStatusCode();

        // A stake moves the wallet's tokens into the relay's escrow; a repeat of the request id changes nothing.
        var staked = await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays/fl-api-r1/stake", new { amount = Mcp / 10, requestId = "s1" });
        Assert.Equal(HttpStatusCode.OK, staked.Status);
        Assert.Equal(Mcp / 10, staked.Body.GetProperty("staked").GetInt64());
        Assert.Equal(Mcp - (Mcp / 10), staked.Body.GetProperty("wallet").GetInt64());
        Assert.Equal(Mcp / 10, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays/fl-api-r1/stake", new { amount = Mcp / 10, requestId = "s1" })).Body.GetProperty("staked").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays/fl-api-r1/stake", new { amount = Mcp / 5, requestId = "s1" })).Status);
        var overdrawn = await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays/fl-api-r1/stake", new { amount = -Mcp, requestId = "u1" });
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "exceeds_credits"), (overdrawn.Status, overdrawn.Body.GetProperty("code").GetString()));
        using var stranger = new TestRelay("fl-api-r2");
        Assert.Equal(HttpStatusCode.Created, (await stranger.SendAsync(client, HttpMethod.Post, "/api/v1/relays", stranger.Registration())).Status);
        var foreign = await stranger.SendAsync(client, HttpMethod.Post, "/api/v1/relays/fl-api-r1/stake", new { amount = -1, requestId = "steal" });
        Assert.Equal((HttpStatusCode.Forbidden, "relay_id_mismatch"), (foreign.Status, foreign.Body.GetProperty("code").GetString()));
        await AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/relays/fl-api-r1/stake", new { amount = 1, requestId = "unsigned" }), HttpStatusCode.Unauthorized, "signature_required");

        // Rounds: operator only, checked before anything happens, and refused without eligible relays (the staked relay has no stamps).
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/fl/rounds", new { minParticipants = 1 })).StatusCode);
        await AssertProblemAsync(await operatorClient.PostAsJsonAsync("/api/v1/fl/rounds", new { minParticipants = 1, strategy = "magic" }), HttpStatusCode.BadRequest, "invalid_round");
        await AssertProblemAsync(await operatorClient.PostAsJsonAsync("/api/v1/fl/rounds", new { minParticipants = 2, strategy = "krum", secureAggregation = true }), HttpStatusCode.BadRequest, "invalid_round");
        await AssertProblemAsync(await operatorClient.PostAsJsonAsync("/api/v1/fl/rounds", new { minParticipants = 1, privacy = new { epsilon = 1.0, delta = 2.0, clip = 1.0 } }), HttpStatusCode.BadRequest, "invalid_round");
        await AssertProblemAsync(await operatorClient.PostAsJsonAsync("/api/v1/fl/rounds", new { minParticipants = 1 }), HttpStatusCode.UnprocessableEntity, "too_few_participants");
        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync("/api/v1/fl/rounds/open")).StatusCode);
        await AssertProblemAsync(await client.GetAsync("/api/v1/fl/rounds/round-999999"), HttpStatusCode.NotFound, "unknown_round");
        var ready = await relay.SendAsync(client, HttpMethod.Post, "/api/v1/fl/rounds/round-999999/ready", new { relayId = "fl-api-r1", gameCount = 1, dataHash = new string('0', 64) });
        Assert.Equal((HttpStatusCode.NotFound, "unknown_round"), (ready.Status, ready.Body.GetProperty("code").GetString()));

        var verify = await operatorClient.GetFromJsonAsync<JsonElement>("/api/v1/ledger/verify");
        Assert.True(verify.GetProperty("chainValid").GetBoolean());
        Assert.Equal(0, verify.GetProperty("sumOfBalances").GetInt64());
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
    }
}
