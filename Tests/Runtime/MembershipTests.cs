using OrleansGoRelay.Runtime.Membership;
using OrleansGoRelay.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class MembershipTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task TheSilosTableShowsWhoIsAliveWhoLeftAndWhoDied(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 3, configure: o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.DeadAfter = TimeSpan.FromSeconds(1);
        });
        var table = cluster.Silos[0].Services.GetRequiredService<IMembershipTable>();
        var (leaving, dying) = (cluster.Silos[1], cluster.Silos[2]);

        await leaving.StopAsync();
        await dying.KillAsync();

        var rows = await Eventually.WaitForAsync(
            () => table.ReadAllAsync(CancellationToken.None),
            r => r.Single(s => s.SiloId == dying.Identity.SiloId).Status == SiloStatus.Dead,
            TimeSpan.FromSeconds(10));
        Assert.Equal(SiloStatus.Active, rows.Single(s => s.SiloId == cluster.Silos[0].Identity.SiloId).Status);
        Assert.Equal(SiloStatus.Left, rows.Single(s => s.SiloId == leaving.Identity.SiloId).Status);
    }

    [Fact]
    public async Task ASiloDeclaredDeadStopsTakingCalls()
    {
        await using var cluster = await Clusters.StartAsync(Provider.Postgres, database, silos: 1);
        var silo = cluster.Silos[0];
        await database.ExecuteAsync($"UPDATE silos SET status = 'dead' WHERE silo_id = '{silo.Identity.SiloId}'");

        await Eventually.WaitForAsync(
            async () =>
            {
                try
                {
                    await silo.GrainFactory.GetGrain<TestSilo.ICounterGrain>("after-death").Value();
                    return false;
                }
                catch (OrleansGoRelay.Runtime.SiloUnavailableException)
                {
                    return true;
                }
            },
            refused => refused, TimeSpan.FromSeconds(5));
    }
}
