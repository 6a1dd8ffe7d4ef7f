using System.Net;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>
/// A silo process waits for PostgreSQL and its schema before Orleans starts, answering <c>/health/live</c> meanwhile and
/// <c>/health/ready</c> only once it is an active member and PostgreSQL answers.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SiloStartTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task LiveButNotReadyUntilTheSchemaIsMigratedThenReady()
    {
        await using var silo = await SiloProcess.StartAsync(database.ConnectionString, "waiting",
            new Dictionary<string, string> { ["Orleans__ApplyMigrations"] = "false" }, waitUntilReady: false);
        await Task.Delay(2000);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await silo.Http.GetAsync("/health/ready")).StatusCode);

        await database.MigrateAsync();
        var ready = await Eventually.WaitForAsync(async () => (await silo.Http.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.False(silo.HasExited);
    }

    [Fact]
    public async Task LiveButNotReadyWhilePostgresIsUnreachable()
    {
        await using var silo = await SiloProcess.StartAsync($"Host=127.0.0.1;Port={TestPorts.Free()};Username=x;Password=y;Database=z;Timeout=2", "no-database",
            waitUntilReady: false);
        await Task.Delay(3000);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await silo.Http.GetAsync("/health/ready")).StatusCode);
        Assert.False(silo.HasExited);
    }
}
