using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The ledger routes of API.md through the real silo host.</summary>
public sealed class LedgerApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private async Task<(WebApplicationFactory<Program> Host, HttpClient Client)> StartAsync()
    {
        var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloHosts.OperatorToken);
        return (host, client);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, object? body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static object Transfer(string id, string from, string to, object amount, string currency = "MCP", bool pending = false, int timeout = 0) =>
        new { transferId = id, debitAccountId = from, creditAccountId = to, amount, code = 2, pending, timeoutSeconds = timeout, currency };

    [Fact]
    public async Task AccountsAndTransfersAnswerAsTheContractSays()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/api/v1/accounts", new { accountId = "api-a", kind = "player", flags = new[] { "debits_must_not_exceed_credits" } })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/api/v1/accounts", new { accountId = "api-a", kind = "player", flags = new[] { "debits_must_not_exceed_credits" } })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(client, "/api/v1/accounts", new { accountId = "api-a", kind = "relay", flags = Array.Empty<string>() })).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/api/v1/accounts", new { accountId = "api-b", kind = "player", flags = Array.Empty<string>() })).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/api/v1/accounts", new { accountId = "api-usd", kind = "player", flags = Array.Empty<string>(), currency = "USD" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/api/v1/transfers", new { transferId = "api-fund", debitAccountId = "treasury", creditAccountId = "api-a", amount = 1000, code = 1 })).Status);

        var created = await PostAsync(client, "/api/v1/transfers", Transfer("api-t1", "api-a", "api-b", 300));
        Assert.Equal((HttpStatusCode.Created, "created"), (created.Status, created.Body.GetProperty("status").GetString()));
        var retried = await PostAsync(client, "/api/v1/transfers", Transfer("api-t1", "api-a", "api-b", 300));
        Assert.Equal((HttpStatusCode.OK, "exists"), (retried.Status, retried.Body.GetProperty("status").GetString()));
        var changed = await PostAsync(client, "/api/v1/transfers", Transfer("api-t1", "api-a", "api-b", 301));
        Assert.Equal((HttpStatusCode.Conflict, "exists_with_different_fields"), (changed.Status, changed.Body.GetProperty("code").GetString()));

        var account = await client.GetFromJsonAsync<JsonElement>("/api/v1/accounts/api-a");
        Assert.Equal(700, account.GetProperty("balance").GetInt64());
        Assert.Equal(300, account.GetProperty("debitsPosted").GetInt64());

        var verify = await client.GetFromJsonAsync<JsonElement>("/api/v1/ledger/verify");
        Assert.True(verify.GetProperty("chainValid").GetBoolean());
        Assert.Equal(0, verify.GetProperty("sumOfBalances").GetInt64());
    }

    [Theory]
    [InlineData("zero", 0, "api-c", "api-d", "MCP", 400, "amount_must_be_positive")]
    [InlineData("negative", -5, "api-c", "api-d", "MCP", 400, "amount_must_be_positive")]
    [InlineData("fraction", 1.5, "api-c", "api-d", "MCP", 400, "amount_out_of_range")]
    [InlineData("huge", 1e20, "api-c", "api-d", "MCP", 400, "amount_out_of_range")]
    [InlineData("same", 1, "api-c", "api-c", "MCP", 400, "accounts_must_be_different")]
    [InlineData("unknown", 1, "api-c", "nobody", "MCP", 422, "credit_account_not_found")]
    [InlineData("currency", 1, "api-c", "api-d", "USD", 422, "transfer_must_have_the_same_currency_as_accounts")]
    [InlineData("overdraw", 1_000_000, "api-c", "api-d", "MCP", 422, "exceeds_credits")]
    public async Task BadTransfersGetAProblemDocumentWithAStableCode(string name, double amount, string from, string to, string currency, int status, string code)
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        await PostAsync(client, "/api/v1/accounts", new { accountId = "api-c", kind = "player", flags = new[] { "debits_must_not_exceed_credits" } });
        await PostAsync(client, "/api/v1/accounts", new { accountId = "api-d", kind = "player", flags = Array.Empty<string>() });
        await PostAsync(client, "/api/v1/transfers", new { transferId = "api-fund-c", debitAccountId = "treasury", creditAccountId = "api-c", amount = 10, code = 1 });

        using var response = await client.PostAsJsonAsync("/api/v1/transfers", Transfer($"bad-{name}", from, to, (decimal)amount, currency));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(10, (await client.GetFromJsonAsync<JsonElement>("/api/v1/accounts/api-c")).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task PendingTransfersPostOrVoidOnceAndAnApiKeyMovesOnlyItsOwnMoney()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        await PostAsync(client, "/api/v1/accounts", new { accountId = "api-client", kind = "api_client", flags = new[] { "debits_must_not_exceed_credits" } });
        await PostAsync(client, "/api/v1/accounts", new { accountId = "api-shop", kind = "player", flags = Array.Empty<string>() });
        await PostAsync(client, "/api/v1/transfers", new { transferId = "api-fund-client", debitAccountId = "treasury", creditAccountId = "api-client", amount = 100, code = 1 });
        var key = (await PostAsync(client, "/api/v1/accounts/api-client/api-keys", null)).Body.GetProperty("apiKey").GetString()!;

        using var apiClient = host.CreateClient();
        apiClient.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(apiClient, "/api/v1/transfers", Transfer("api-p1", "api-client", "api-shop", 60, pending: true, timeout: 60))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(apiClient, "/api/v1/transfers", Transfer("api-steal", "api-shop", "api-client", 1))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await apiClient.GetAsync("/api/v1/accounts/api-shop")).StatusCode);

        var posted = await PostAsync(apiClient, "/api/v1/transfers/api-p1/post", new { amount = 40 });
        Assert.Equal(HttpStatusCode.Created, posted.Status);
        var voided = await PostAsync(client, "/api/v1/transfers/api-p1/void", null);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "pending_transfer_already_posted"), (voided.Status, voided.Body.GetProperty("code").GetString()));
        var mine = await apiClient.GetFromJsonAsync<JsonElement>("/api/v1/accounts/api-client");
        Assert.Equal((60L, 0L), (mine.GetProperty("balance").GetInt64(), mine.GetProperty("debitsPending").GetInt64()));

        var reversed = await PostAsync(client, "/api/v1/transfers/api-p1:post/reverse", null);
        Assert.Equal(HttpStatusCode.Created, reversed.Status);
        Assert.Equal(100, (await client.GetFromJsonAsync<JsonElement>("/api/v1/accounts/api-client")).GetProperty("balance").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().PostAsJsonAsync("/api/v1/transfers", Transfer("api-anon", "api-client", "api-shop", 1))).StatusCode);
    }

    [Fact]
    public async Task ALinkedBatchAnswersPerItemAndAppliesNothingWhenOneFails()
    {
        var (host, client) = await StartAsync();
        await using var _ = host;
        await PostAsync(client, "/api/v1/accounts", new { accountId = "api-e", kind = "player", flags = new[] { "debits_must_not_exceed_credits" } });
        await PostAsync(client, "/api/v1/accounts", new { accountId = "api-f", kind = "player", flags = new[] { "debits_must_not_exceed_credits" } });
        await PostAsync(client, "/api/v1/transfers", new { transferId = "api-fund-e", debitAccountId = "treasury", creditAccountId = "api-e", amount = 50, code = 1 });

        var failed = await PostAsync(client, "/api/v1/transfers/batch", new[] { Transfer("api-l1", "api-e", "api-f", 30), Transfer("api-l2", "api-f", "api-e", 31) });
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "exceeds_credits"), (failed.Status, failed.Body.GetProperty("code").GetString()));
        Assert.Equal(["linked_event_failed", "exceeds_credits"], failed.Body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(50, (await client.GetFromJsonAsync<JsonElement>("/api/v1/accounts/api-e")).GetProperty("balance").GetInt64());

        var ok = await PostAsync(client, "/api/v1/transfers/batch", new[] { Transfer("api-l3", "api-e", "api-f", 30), Transfer("api-l4", "api-f", "api-e", 30) });
        Assert.Equal(HttpStatusCode.Created, ok.Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/api/v1/transfers/batch", new[] { Transfer("api-l3", "api-e", "api-f", 30), Transfer("api-l4", "api-f", "api-e", 30) })).Status);
    }
}
