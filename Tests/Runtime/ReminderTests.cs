using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.TestSilo;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class ReminderTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [MemberData(nameof(Clusters.Providers), MemberType = typeof(Clusters))]
    public async Task AReminderFiresOncePerPeriodClusterWide(Provider provider)
    {
        await using var cluster = await Clusters.StartAsync(provider, database, silos: 3, configure: o => o.ReminderPollInterval = TimeSpan.FromMilliseconds(50));
        var ticker = cluster.Client.GetGrain<ITickerGrain>($"once-{provider}");
        await ticker.Start(TimeSpan.FromMilliseconds(300));

        var state = await Eventually.WaitForAsync(ticker.Ticks, s => s.Count >= 6, TimeSpan.FromSeconds(15));
        await ticker.Cancel();

        // Three silos poll every 50 ms, yet each due time was delivered exactly once.
        Assert.Equal(state.DueTimes.Count, state.DueTimes.Distinct().Count());
        Assert.True(state.DueTimes.Zip(state.DueTimes.Skip(1)).All(p => p.Second > p.First));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task RemindersFireAfterAFullRestartOfTheCluster()
    {
        var first = await SiloProcess.StartAsync(database.ConnectionString, "remind-a");
        var second = await SiloProcess.StartAsync(database.ConnectionString, "remind-b");
        (await first.Http.PostAsync("/test/ticker/durable/start/500", null)).EnsureSuccessStatusCode();
        await Eventually.WaitForAsync(async () => (await first.Http.GetFromJsonAsync<TickerState>("/test/ticker/durable"))!, s => s.Count >= 1, TimeSpan.FromSeconds(10));

        first.Kill();
        second.Kill();
        await first.DisposeAsync();
        await second.DisposeAsync();
        var countAtShutdown = await database.ScalarAsync<int>("SELECT (state->>'count')::int FROM grain_state WHERE grain_type = 'ticker'");

        await using var restarted = await SiloProcess.StartAsync(database.ConnectionString, "remind-c");
        var after = await Eventually.WaitForAsync(
            async () => (await restarted.Http.GetFromJsonAsync<TickerState>("/test/ticker/durable"))!,
            s => s.Count >= countAtShutdown + 2, TimeSpan.FromSeconds(15));
        Assert.True(after.Count >= countAtShutdown + 2);
    }
}
