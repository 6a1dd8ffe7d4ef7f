using System.Diagnostics;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>The cluster route reads Orleans' membership: who is active, who stopped, who was killed.</summary>
[Trait("Category", "Slow")]
public sealed class MembershipTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task TheClusterRouteShowsTheActiveSiloAndDeclaresAStoppedAndAKilledSiloDead()
    {
        await using var staying = await SiloProcess.StartAsync(database.ConnectionString, "staying");
        await using var leaving = await SiloProcess.StartAsync(database.ConnectionString, "leaving");
        await using var dying = await SiloProcess.StartAsync(database.ConnectionString, "dying");
        var all = await Eventually.WaitForAsync(() => SilosAsync(staying), s => s.Count(m => m.Status == "active") == 3, TimeSpan.FromSeconds(30));
        Assert.Equal(["dying", "leaving", "staying"], all.Select(s => s.SiloName).Order());

        await leaving.StopAsync();
        var clock = Stopwatch.StartNew();
        dying.Kill();
        var after = await Eventually.WaitForAsync(() => SilosAsync(staying),
            s => s.Single(m => m.SiloId == dying.SiloId).Status == "dead", TimeSpan.FromSeconds(30));
        output.WriteLine($"the SIGKILLed silo was declared dead {clock.Elapsed.TotalSeconds:F2} s after the kill");

        Assert.Equal("active", after.Single(m => m.SiloId == staying.SiloId).Status);
        Assert.Equal("dead", after.Single(m => m.SiloId == leaving.SiloId).Status);
        Assert.All(after, m => Assert.True(m.HeartbeatAt >= m.StartedAt));
    }

    private sealed record Member(string SiloId, string SiloName, string Address, string Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt);

    private static async Task<IReadOnlyList<Member>> SilosAsync(SiloProcess silo) =>
        await silo.GetAsOperatorAsync<Member[]>("/api/v1/cluster/silos") ?? throw new InvalidOperationException($"{silo.Name} did not answer the cluster route");
}
