using System.Collections.Concurrent;
using OrleansGoRelay.Runtime;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.TestSilo;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class ClusterEventTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task AnEventPublishedOnOneSiloReachesSubscribersOnTheOthers(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 2);
        var received = new ConcurrentQueue<ClusterEvent>();
        var all = new TaskCompletionSource();
        using var subscription = cluster.Silos[1].Events.Subscribe("game/*", e =>
        {
            received.Enqueue(e);
            if (received.Count == 3)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        });
        using var other = cluster.Silos[1].Events.Subscribe("relay/1", _ => throw new InvalidOperationException("a failing handler must not stop delivery"));

        foreach (var n in new[] { 1, 2, 3 })
        {
            await cluster.Silos[0].Events.PublishAsync($"game/{n}", $"{{\"move\":{n}}}");
        }

        await cluster.Silos[0].Events.PublishAsync("relay/1", "ignored");
        await all.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["game/1", "game/2", "game/3"], received.Select(e => e.Topic).Order());
        Assert.All(received, e => Assert.Equal(cluster.Silos[0].Identity.SiloId, e.OriginSiloId));
    }

    [Fact]
    public async Task AnOversizedEventIsRejectedBeforeItLeavesTheSilo()
    {
        await using var cluster = await Clusters.StartAsync(Provider.Postgres, database, silos: 1);
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.Silos[0].Events.PublishAsync("big", new string('x', 10_000)));
    }

    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task AWriteOnOneSiloInvalidatesTheCachedActivationOnAnother(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 2);
        var key = $"cached-{provider}";
        var onFirst = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key);
        var onSecond = cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key);
        Assert.Equal(0, await onSecond.Value()); // cached on the second silo at version 0

        await onFirst.Increment();
        await onFirst.Increment();

        // Without any write of its own, the second silo sees the new value once the notification arrives.
        await Eventually.WaitForAsync(onSecond.Value, v => v == 2, TimeSpan.FromSeconds(5));
    }
}
