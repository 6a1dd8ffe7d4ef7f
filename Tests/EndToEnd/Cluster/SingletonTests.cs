using System.Diagnostics;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>The failover coordinator is a singleton grain: after SIGKILL of its silo it runs again on a survivor.</summary>
[Trait("Category", "Slow")]
public sealed class SingletonTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task TheFailoverCoordinatorRunsAgainOnASurvivorWithinTenSecondsOfSigkillOfItsSilo()
    {
        await using var a = await SiloProcess.StartAsync(database.ConnectionString, "single-a");
        await using var b = await SiloProcess.StartAsync(database.ConnectionString, "single-b");
        var silos = new[] { a, b };
        var before = await Eventually.WaitForAsync(() => MonitorAsync(a), s => s?.LastRunAt is not null, TimeSpan.FromSeconds(20));
        var victim = silos.Single(s => before!.Silo == s.SiloId);
        var survivor = silos.Single(s => s != victim);

        var killedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        victim.Kill();
        var after = await Eventually.WaitForAsync(() => MonitorAsync(survivor),
            s => s is not null && s.Silo == survivor.SiloId && s.LastRunAt > killedAt, TimeSpan.FromSeconds(10));
        var moved = clock.Elapsed;

        output.WriteLine($"failover coordinator on {victim.Name}, SIGKILLed; sweeping again on {survivor.Name} after {moved.TotalSeconds:F2} s");
        Assert.True(moved < TimeSpan.FromSeconds(10), $"it ran again after {moved}");
        Assert.Equal(survivor.SiloId, after!.Silo);
    }

    private static async Task<SingletonStatus?> MonitorAsync(SiloProcess silo) =>
        (await silo.GetAsOperatorAsync<SingletonStatus[]>("/api/v1/cluster/singletons"))?.Single(s => s.Name == "relay-health-monitor");
}
