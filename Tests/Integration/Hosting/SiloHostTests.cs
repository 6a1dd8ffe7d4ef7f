using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Hosting;

public sealed class SiloHostTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static WebApplicationFactory<Program> Silo(string connectionString) => SiloHosts.Create(connectionString);

    [Fact]
    public async Task TheSilosRouteNeedsTheOperatorTokenAndAnswersProblems()
    {
        await using var silo = Silo(database.ConnectionString);
        using var client = silo.CreateClient();
        await WaitReadyAsync(client);

        var anonymous = await client.GetAsync("/api/v1/cluster/silos");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal("operator_token_required", (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        client.DefaultRequestHeaders.Authorization = new("Bearer", SiloHosts.OperatorToken);
        var silos = await client.GetFromJsonAsync<JsonElement[]>("/api/v1/cluster/silos");
        Assert.Contains(silos!, s => s.GetProperty("status").GetString() == "active");

        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/v1/cluster/silos", out _));
    }

    private static Task WaitReadyAsync(HttpClient client) => SiloHosts.WaitReadyAsync(client);
}

/// <summary>Request size and rate limits answer with problem documents, and never limit health probes.</summary>
public sealed class RequestLimitTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task OversizedBodiesAre413AndFloodsAre429WithRetryAfterWhileHealthStaysOpen()
    {
        await using var silo = SiloHosts.Create(database.ConnectionString).WithWebHostBuilder(web =>
        {
            web.UseSetting("Gateway:Limits:MaxRequestBodyBytes", "1024");
            web.UseSetting("Gateway:Limits:PermitsPerSecond", "10");
            web.UseSetting("Gateway:Limits:Burst", "5");
        });
        using var client = silo.CreateClient();
        await SiloHosts.WaitReadyAsync(client);

        var large = await client.PostAsJsonAsync("/api/v1/games", new { gameId = "big", black = new string('b', 2000), white = "w" });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal("request_too_large", (await large.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        var answers = new List<HttpResponseMessage>();
        var flood = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            answers.Add(await client.GetAsync("/api/v1/games/unknown"));
        }
        var elapsed = flood.Elapsed;
        var limited = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("rate_limited", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        // The burst of 5, then one more per 100 ms refill (10/s): nothing beyond what the bucket allowed got through.
        Assert.InRange(answers.Count(a => a.StatusCode == HttpStatusCode.NotFound), 5, 5 + (int)Math.Ceiling(elapsed.TotalMilliseconds / 100) + 1);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }

        // The contract's routes are in the OpenAPI document.
        await Task.Delay(1000);
        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        foreach (var path in new[] { "/api/v1/games/{gameId}/moves", "/api/v1/relays/{relayId}/heartbeat", "/api/v1/route", "/api/v1/players/{playerId}/opponents" })
        {
            Assert.True(openApi.GetProperty("paths").TryGetProperty(path, out _), path);
        }
    }
}
