using OrleansGoRelay.Runtime;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.TestSilo;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class TurnBasedExecutionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task NoTwoTurnsOfOneActivationOverlap(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 1);
        var probe = cluster.Client.GetGrain<IProbeGrain>(1);

        var insideAtStart = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => probe.Work(2)));

        Assert.All(insideAtStart, inside => Assert.Equal(1, inside));
        Assert.Equal(1, await probe.MaxConcurrency());
    }

    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task AlwaysInterleaveMethodsDoOverlap(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 1);
        var probe = cluster.Client.GetGrain<IProbeGrain>(2);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => probe.WorkInterleaved(50)));

        Assert.True(await probe.MaxConcurrency() > 1, "interleaving calls should have run side by side");
    }

    [Fact]
    public async Task TimerTicksAreTurnsThatNeverOverlapCalls()
    {
        await using var cluster = await Clusters.StartAsync(Provider.InMemory, database, silos: 1);
        var probe = cluster.Client.GetGrain<IProbeGrain>(3);
        await probe.StartTimer(periodMs: 10);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await probe.TimerTicks()).Ticks < 10 && DateTime.UtcNow < deadline)
        {
            await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => probe.Work(3)));
        }

        var (ticks, overlapped) = await probe.TimerTicks();
        Assert.True(ticks >= 10, $"only {ticks} timer ticks");
        Assert.False(overlapped);
    }

    [Fact]
    public async Task ActivatesOnFirstCallAndIsCollectedWhenIdle()
    {
        await using var cluster = await Clusters.StartAsync(Provider.InMemory, database, silos: 1, configure: o =>
        {
            o.IdleTimeout = TimeSpan.FromMilliseconds(300);
            o.CollectionInterval = TimeSpan.FromMilliseconds(100);
        });
        var silo = cluster.Silos[0];
        Assert.Equal(0, silo.ActivationCount);

        var probe = cluster.Client.GetGrain<IProbeGrain>(4);
        await probe.Work(0);
        Assert.Equal(1, silo.ActivationCount);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (silo.ActivationCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, silo.ActivationCount);
        var (calls, activations, deactivations) = await probe.Lifecycle(); // reactivates
        Assert.Equal(0, calls);
        Assert.Equal(2, activations);
        Assert.Equal(1, deactivations);
    }

    [Fact]
    public async Task DeactivateOnIdleEndsTheActivationAfterTheTurn()
    {
        await using var cluster = await Clusters.StartAsync(Provider.InMemory, database, silos: 1);
        var probe = cluster.Client.GetGrain<IProbeGrain>(5);
        await probe.Work(0);
        await probe.Deactivate();

        Assert.Equal(0, cluster.Silos[0].ActivationCount);
        var (calls, _, deactivations) = await probe.Lifecycle();
        Assert.Equal(0, calls);
        Assert.Equal(1, deactivations);
    }

    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task StateSurvivesDeactivationAndGuidAndStringKeysAreDistinctGrains(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 1);
        var a = cluster.Client.GetGrain<ICounterGrain>("a");
        await a.Increment();
        await a.Increment();
        Assert.Equal(1, await cluster.Client.GetGrain<ICounterGrain>("b").Increment());

        await cluster.Silos[0].StopAsync();
        var restarted = await cluster.StartSiloAsync();
        Assert.Equal(2, await restarted.GrainFactory.GetGrain<ICounterGrain>("a").Value());
    }

    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task AStaleWriteWithoutRetryReachesTheCallerAsAConflict(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 2);
        var onFirst = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>("stale");
        var onSecond = cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>("stale");
        await onFirst.Value();
        await onSecond.Value(); // both silos hold an activation at version 0

        await onFirst.IncrementOnce();
        // Unless the invalidation already reached the second silo, its write is stale and must not apply.
        try
        {
            await onSecond.IncrementOnce();
        }
        catch (InconsistentStateException)
        {
        }

        // Invalidation travels by NOTIFY, so the silos agree once it arrived; the count is 1 (stale write refused)
        // or 2 (the second silo had already reloaded), never anything a lost or doubled write would give.
        var (final, replayed) = await Eventually.WaitForAsync(
            async () => (await onFirst.Value(), await onSecond.Value()), v => v.Item1 == v.Item2, TimeSpan.FromSeconds(10));
        Assert.Equal(final, replayed);
        Assert.InRange(final, 1, 2);
    }
}
