using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Federated;

/// <summary>
/// Paid inference through the gateway: a channel locks a deposit, each answered call draws its price once, a refused
/// position costs nothing, an exhausted channel answers 402, and closing moves exactly the calls' price (all of it to
/// the treasury here: the genesis model was trained on no stamps) and returns the rest.
/// </summary>
public sealed class PaidInferenceTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const long Price = 1_000_000; // the standard tier

    [Fact]
    public async Task AChannelPaysForAnsweredCallsOnceAndClosingSettlesExactlyThem()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 300);
        var operatorClient = host.CreateClient();
        await SiloHosts.WaitReadyAsync(operatorClient);
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);
        (await operatorClient.PostAsJsonAsync("/api/v1/accounts", new { accountId = "inference-client", kind = "api_client", flags = new[] { "debits_must_not_exceed_credits" } })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync("/api/v1/transfers", new { transferId = "fund-inference-client", debitAccountId = "treasury", creditAccountId = "inference-client", amount = 10 * Price, code = 1 })).EnsureSuccessStatusCode();
        var keyResponse = await operatorClient.PostAsync("/api/v1/accounts/inference-client/api-keys", null);
        var key = (await keyResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().PostAsJsonAsync("/api/v1/channels", new { deposit = Price })).StatusCode);
        var opened = await client.PostAsJsonAsync("/api/v1/channels", new { deposit = (3 * Price) + (Price / 2) });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var channelId = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channelId").GetString()!;
        Assert.Equal(10 * Price, await BalanceAsync(operatorClient)); // locked, not yet moved

        var position = new { channelId, size = 9, komi = 7.5, rules = "chinese", moves = new[] { "E5", "C3" }, toPlay = "B", topK = 3 };
        Assert.Equal(Price, (await PredictAsync(client, position, "call-1")).GetProperty("charged").GetInt64());
        Assert.Equal(0, (await PredictAsync(client, position, "call-1")).GetProperty("charged").GetInt64()); // a retry is not charged again
        var refused = await client.PostAsJsonAsync("/api/v1/inference/predict", new { channelId, size = 9, moves = new[] { "E5", "E5" }, toPlay = "W" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("illegal_move", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var answer = await PredictAsync(client, position, "call-2");
        Assert.Equal(Price, answer.GetProperty("charged").GetInt64());
        Assert.DoesNotContain(answer.GetProperty("move").GetString(), new[] { "E5", "C3" });
        Assert.Equal(Price, (await PredictAsync(client, position, "call-3")).GetProperty("charged").GetInt64());
        var exhausted = await client.PostAsJsonAsync("/api/v1/inference/predict", position);
        Assert.Equal(HttpStatusCode.PaymentRequired, exhausted.StatusCode);
        Assert.Equal("channel_exhausted", (await exhausted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var view = await client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}");
        Assert.Equal(3 * Price, view.GetProperty("drawn").GetInt64());

        var closed = await (await client.PostAsync($"/api/v1/channels/{channelId}/close", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3 * Price, closed.GetProperty("settled").GetInt64());
        Assert.Equal(Price / 2, closed.GetProperty("refund").GetInt64());
        Assert.Equal(7 * Price, await BalanceAsync(operatorClient));
        var verify = await operatorClient.GetFromJsonAsync<JsonElement>("/api/v1/ledger/verify");
        Assert.True(verify.GetProperty("chainValid").GetBoolean());
        Assert.Equal(0, verify.GetProperty("sumOfBalances").GetInt64());
    }

    [Fact]
    public async Task ARetryOfACallAlreadySettledIsNotChargedAgain()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 300)
            .WithWebHostBuilder(web => web.UseSetting("Inference:SettleInterval", "00:00:01"));
        var operatorClient = host.CreateClient();
        await SiloHosts.WaitReadyAsync(operatorClient);
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);
        (await operatorClient.PostAsJsonAsync("/api/v1/accounts", new { accountId = "retry-client", kind = "api_client", flags = new[] { "debits_must_not_exceed_credits" } })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync("/api/v1/transfers", new { transferId = "fund-retry-client", debitAccountId = "treasury", creditAccountId = "retry-client", amount = 10 * Price, code = 1 })).EnsureSuccessStatusCode();
        var key = (await (await operatorClient.PostAsync("/api/v1/accounts/retry-client/api-keys", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var channelId = (await (await client.PostAsJsonAsync("/api/v1/channels", new { deposit = 5 * Price })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channelId").GetString()!;
        var position = new { channelId, size = 9, moves = new[] { "E5" }, toPlay = "W" };

        Assert.Equal(Price, (await PredictAsync(client, position, "settled-call")).GetProperty("charged").GetInt64());
        // Once the draw is in the ledger (the next settlement), the client's retry of that call is answered for nothing.
        await Eventually.WaitForAsync(() => client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}"), v => v.GetProperty("settled").GetInt64() == Price, TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await PredictAsync(client, position, "settled-call")).GetProperty("charged").GetInt64());
        var closed = await (await client.PostAsync($"/api/v1/channels/{channelId}/close", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Price, closed.GetProperty("settled").GetInt64());
        Assert.Equal(9 * Price, await BalanceAsync(operatorClient, "retry-client"));
    }

    private static async Task<JsonElement> PredictAsync(HttpClient client, object position, string callId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/inference/predict") { Content = JsonContent.Create(position) };
        request.Headers.Add("X-Request-Id", callId);
        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<long> BalanceAsync(HttpClient operatorClient, string account = "inference-client") =>
        (await operatorClient.GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{account}")).GetProperty("balance").GetInt64();
}
