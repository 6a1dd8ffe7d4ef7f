using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.TestSilo;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class ConcurrentWriteTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int Increments = 10_000;

    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task TwoSilosIncrementingOneGrainTenThousandTimesEndAtExactlyTenThousand(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 2);
        var key = $"hot-{provider}";
        var references = cluster.Silos.Select(s => s.GrainFactory.GetGrain<ICounterGrain>(key)).ToArray();

        var results = await RunConcurrently(Increments, parallelism: 32, i => references[i % 2].Increment());

        Assert.Equal(Increments, await references[0].Value());
        Assert.Equal(Increments, await references[1].Value());
        // Every increment saw a distinct value: none was applied twice, none lost.
        Assert.Equal(Enumerable.Range(1, Increments).Select(v => (long)v), results.Order());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task TwoSiloProcessesIncrementingOneGrainTenThousandTimesEndAtExactlyTenThousand()
    {
        await using var first = await SiloProcess.StartAsync(database.ConnectionString, "proc-a");
        await using var second = await SiloProcess.StartAsync(database.ConnectionString, "proc-b");
        var silos = new[] { first, second };

        var results = await RunConcurrently(Increments, parallelism: 32, async i =>
        {
            using var response = await silos[i % 2].Http.PostAsync("/test/counter/shared/increment", null);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return await response.Content.ReadFromJsonAsync<long>();
        });

        Assert.Equal(Increments, await first.Http.GetFromJsonAsync<long>("/test/counter/shared"));
        Assert.Equal(Increments, await second.Http.GetFromJsonAsync<long>("/test/counter/shared"));
        Assert.Equal(Enumerable.Range(1, Increments).Select(v => (long)v), results.Order());
        Assert.Equal(Increments, await database.ScalarAsync<long>("SELECT (state->>'value')::bigint FROM grain_state WHERE grain_type = 'counter' AND grain_key = 'shared'"));
    }

    internal static async Task<long[]> RunConcurrently(int count, int parallelism, Func<int, Task<long>> call)
    {
        var results = new long[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) => results[i] = await call(i));
        return results;
    }
}

/// <summary>Cross-silo invalidation also reaches an activation that is still loading its state.</summary>
public sealed class ActivationInvalidationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task AWriteElsewhereWhileAnActivationLoadsIsNotLostToIt(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 2);
        var key = $"held-{provider}";
        var writer = cluster.Silos[0].GrainFactory.GetGrain<IHeldActivationCounterGrain>(key);
        var reader = cluster.Silos[1].GrainFactory.GetGrain<IHeldActivationCounterGrain>(key);
        Assert.Equal(1, await writer.Increment());

        // The second silo's activation reads version 1, then is held; meanwhile the first silo writes version 2.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HeldActivationCounterGrain.Gates[key] = gate;
        var firstRead = reader.Value();
        await Task.Delay(300);
        HeldActivationCounterGrain.Gates.TryRemove(key, out _);
        Assert.Equal(2, await writer.Increment());
        await Task.Delay(500); // the announcement of version 2 reaches the second silo while its activation still loads
        gate.SetResult();

        // Before: the announcement was dropped because the activation was not yet valid, and it served 1 until it wrote.
        Assert.Equal(2, await firstRead);
        Assert.Equal(2, await reader.Value());
    }
}
