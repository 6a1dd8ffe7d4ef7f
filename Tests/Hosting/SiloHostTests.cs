using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Hosting;

public sealed class SiloHostTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static WebApplicationFactory<Program> Silo(string connectionString, bool migrate = true) => SiloHosts.Create(connectionString, migrate);

    [Fact]
    public async Task ReadyOnlyWhenPostgresIsReachableAndMigrated()
    {
        var fresh = new PostgresDatabase();
        await fresh.InitializeAsync();
        try
        {
            await AssertReadyOnlyAfterMigrationAsync(fresh.ConnectionString);
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    private static async Task AssertReadyOnlyAfterMigrationAsync(string connectionString)
    {
        await using var unmigrated = Silo(connectionString, migrate: false);
        using (var client = unmigrated.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        }

        await using var migrated = Silo(connectionString);
        using var ready = migrated.CreateClient();
        // Startup (migrations, joining the silos table) runs in the background; readiness follows it.
        await WaitReadyAsync(ready);
    }

    [Fact]
    public async Task LiveButNotReadyWhenPostgresIsUnreachable()
    {
        await using var silo = Silo("Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=2", migrate: false);
        using var client = silo.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

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
