using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>One grain, one activation: calls through either silo reach the same activation and every write counts once.</summary>
[Trait("Category", "Slow")]
public sealed class ConcurrentWriteTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const int Increments = 10_000;

    [Fact]
    public async Task TwoSiloProcessesIncrementingOneGrainTenThousandTimesEndAtExactlyTenThousand()
    {
        await using var first = await SiloProcess.StartAsync(database.ConnectionString, "proc-a");
        await using var second = await SiloProcess.StartAsync(database.ConnectionString, "proc-b");
        var silos = new[] { first, second };

        var results = new long[Increments];
        await Parallel.ForAsync(0, Increments, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, cancellationToken) =>
        {
            using var response = await silos[i % 2].Http.PostAsync("/test/counter/shared/increment", null, cancellationToken);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            results[i] = await response.Content.ReadFromJsonAsync<long>(cancellationToken);
        });

        Assert.Equal(Increments, await first.Http.GetFromJsonAsync<long>("/test/counter/shared"));
        Assert.Equal(Increments, await second.Http.GetFromJsonAsync<long>("/test/counter/shared"));
        // Every increment saw a distinct value: none was applied twice, none lost.
        Assert.Equal(Enumerable.Range(1, Increments).Select(v => (long)v), results.Order());
        Assert.Equal(Increments, await database.ScalarAsync<long>("SELECT (state->>'value')::bigint FROM grain_state WHERE grain_type = 'counter' AND grain_key = 'shared'"));
        // Both silos served calls, yet the grain lived on one of them.
        Assert.Equal(await first.Http.GetStringAsync("/test/counter/shared/silo"), await second.Http.GetStringAsync("/test/counter/shared/silo"));
    }
}
