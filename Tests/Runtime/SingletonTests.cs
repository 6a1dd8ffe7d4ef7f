using System.Diagnostics;
using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.TestSilo;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class SingletonTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task ASingletonRunsOnExactlyOneSiloAndMovesWhenItsHolderIsKilled(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 3, withSingleton: true);
        var holder = await Eventually.WaitForAsync(() => Holders(cluster.Silos.Where(s => s.IsAlive)), h => h.Count == 1, TimeSpan.FromSeconds(10));
        var first = cluster.Silos.Single(s => s.Identity.SiloId == holder[0]);

        var stopwatch = Stopwatch.StartNew();
        await first.KillAsync();
        var next = await Eventually.WaitForAsync(() => Holders(cluster.Silos.Where(s => s.IsAlive)), h => h.Count == 1, TimeSpan.FromSeconds(10));

        Assert.NotEqual(first.Identity.SiloId, next[0]);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"moved after {stopwatch.Elapsed}");
        // And never twice at once afterwards.
        for (var i = 0; i < 10; i++)
        {
            Assert.Single(Holders(cluster.Silos.Where(s => s.IsAlive)));
            await Task.Delay(100);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ASingletonMovesToTheSurvivingSiloWithinTenSecondsOfSigkillOfItsHolder()
    {
        await using var a = await SiloProcess.StartAsync(database.ConnectionString, "single-a");
        await using var b = await SiloProcess.StartAsync(database.ConnectionString, "single-b");
        var silos = new[] { a, b };

        var holders = await Eventually.WaitForAsync(async () => await HeldBy(silos), h => h.Count == 1, TimeSpan.FromSeconds(10));
        var victim = holders[0];
        var survivor = silos.Single(s => s != victim);

        var stopwatch = Stopwatch.StartNew();
        victim.Kill();
        await Eventually.WaitForAsync(async () => await HeldBy([survivor]), h => h.Count == 1, TimeSpan.FromSeconds(10));
        var moved = stopwatch.Elapsed;
        Assert.True(moved < TimeSpan.FromSeconds(10), $"the singleton moved after {moved}");

        // The singleton's own record shows the hand-over to the survivor.
        var history = await Eventually.WaitForAsync(
            async () => await survivor.Http.GetFromJsonAsync<List<HolderChange>>("/test/holders") ?? [],
            h => h.Count >= 2, TimeSpan.FromSeconds(5));
        Assert.NotEqual(history[^2].SiloId, history[^1].SiloId);
    }

    private static List<string> Holders(IEnumerable<OrleansGoRelay.Runtime.Testing.TestClusterSilo> silos) =>
        [.. silos.Where(s => s.HeldSingletons.Contains("holder-recorder")).Select(s => s.Identity.SiloId)];

    private static async Task<List<SiloProcess>> HeldBy(IEnumerable<SiloProcess> silos)
    {
        var holders = new List<SiloProcess>();
        foreach (var silo in silos.Where(s => !s.HasExited))
        {
            var held = await silo.Http.GetFromJsonAsync<string[]>("/test/singletons");
            if (held!.Contains("holder-recorder"))
            {
                holders.Add(silo);
            }
        }

        return holders;
    }
}
