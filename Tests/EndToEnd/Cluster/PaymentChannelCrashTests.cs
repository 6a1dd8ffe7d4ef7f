using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>
/// What a silo crash can cost a payment channel: calls are drawn in memory and settled every few seconds, so SIGKILL
/// of the silo holding the channel between calls and settlement loses at most those calls' revenue; the client is
/// never charged beyond the calls it was answered, and the channel goes on from its last settlement on the survivor.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PaymentChannelCrashTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    private const long Price = 1_000_000;

    [Fact]
    public async Task Kill9BetweenCallsAndSettlementLosesOnlyUnsettledRevenueAndNeverOverchargesTheClient()
    {
        var settings = new Dictionary<string, string>
        {
            ["Fl__ValidationGames__0"] = Path.Combine(OrleansGoRelay.Tests.Go.GoData.Directory, "gnugo-regression.sgf.gz"),
            ["Fl__Genesis__BoardSize"] = "9",
            ["Fl__Genesis__Blocks"] = "1",
            ["Fl__Genesis__Channels"] = "8",
            ["Fl__Genesis__ValueHidden"] = "16",
            ["Fl__ValidationPositions"] = "300",
            // Long enough that the kill lands between calls and the next settlement.
            ["Inference__SettleInterval"] = "00:00:20",
        };
        await using var a = await SiloProcess.StartAsync(database.ConnectionString, "pay-a", settings);
        await using var b = await SiloProcess.StartAsync(database.ConnectionString, "pay-b", settings);
        using var operatorA = Operator(a);
        (await operatorA.PostAsJsonAsync("/api/v1/accounts", new { accountId = "crash-client", kind = "api_client", flags = new[] { "debits_must_not_exceed_credits" } })).EnsureSuccessStatusCode();
        (await operatorA.PostAsJsonAsync("/api/v1/transfers", new { transferId = "fund-crash-client", debitAccountId = "treasury", creditAccountId = "crash-client", amount = 100 * Price, code = 1 })).EnsureSuccessStatusCode();
        var key = (await (await operatorA.PostAsync("/api/v1/accounts/crash-client/api-keys", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;

        // Open the channel through each silo until one opens it on the other silo... the channel lives where Orleans
        // placed it; the test asks which silo that is through the cluster API and kills that one.
        using var clientA = Client(a, key);
        var channelId = (await (await clientA.PostAsJsonAsync("/api/v1/channels", new { deposit = 50 * Price })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channelId").GetString()!;
        var position = new { channelId, size = 9, moves = new[] { "E5" }, toPlay = "W" };
        for (var i = 0; i < 5; i++)
        {
            using var answered = await clientA.PostAsJsonAsync("/api/v1/inference/predict", position);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        var host = await Eventually.WaitForAsync(() => operatorA.GetFromJsonAsync<JsonElement>($"/test/grains/payment-channel/{channelId}"),
            g => g.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10));
        var victim = host.GetProperty("silo").GetString() == a.SiloId ? a : b;
        var survivor = victim == a ? b : a;
        victim.Kill();
        output.WriteLine($"channel {channelId} was on {victim.Name}; killed with 5 calls drawn and none settled");

        // The survivor takes the channel over from its last settlement (none): the 5 calls are revenue lost, not a charge.
        using var clientB = Client(survivor, key);
        var view = await Eventually.WaitForAsync(async () =>
        {
            try
            {
                return await clientB.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}");
            }
            catch (HttpRequestException)
            {
                return default;
            }
        }, v => v.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(60));
        Assert.Equal(0, view.GetProperty("drawn").GetInt64());
        for (var i = 0; i < 2; i++)
        {
            using var answered = await clientB.PostAsJsonAsync("/api/v1/inference/predict", position);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        var closed = await (await clientB.PostAsync($"/api/v1/channels/{channelId}/close", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2 * Price, closed.GetProperty("settled").GetInt64());
        using var operatorB = Operator(survivor);
        var balance = (await operatorB.GetFromJsonAsync<JsonElement>("/api/v1/accounts/crash-client")).GetProperty("balance").GetInt64();
        Assert.Equal(98 * Price, balance); // 7 calls answered, 2 charged: the crash cost the recipients 5 calls, never the client more than 7
        var verify = await operatorB.GetFromJsonAsync<JsonElement>("/api/v1/ledger/verify");
        Assert.True(verify.GetProperty("chainValid").GetBoolean());
        Assert.Equal(0, verify.GetProperty("sumOfBalances").GetInt64());
    }

    private static HttpClient Operator(SiloProcess silo)
    {
        var client = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.OperatorToken);
        return client;
    }

    private static HttpClient Client(SiloProcess silo, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
