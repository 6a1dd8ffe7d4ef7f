using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>Reminders live in PostgreSQL (Orleans' ADO.NET reminder table), so they outlive every silo.</summary>
[Trait("Category", "Slow")]
public sealed class ReminderTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task RemindersFireAgainAfterAFullRestartOfTheCluster()
    {
        var first = await SiloProcess.StartAsync(database.ConnectionString, "remind-a");
        var second = await SiloProcess.StartAsync(database.ConnectionString, "remind-b");
        (await first.Http.PostAsync("/test/ticker/durable/start/1000", null)).EnsureSuccessStatusCode();
        await Eventually.WaitForAsync(async () => (await first.Http.GetFromJsonAsync<TickerState>("/test/ticker/durable"))!, s => s.Count >= 1, TimeSpan.FromSeconds(20));

        first.Kill();
        second.Kill();
        await first.DisposeAsync();
        await second.DisposeAsync();
        var countAtCrash = await database.ScalarAsync<int>("SELECT (state->>'count')::int FROM grain_state WHERE grain_type = 'ticker'");
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM orleans_reminders WHERE remindername = 'tick'"));

        await using var restarted = await SiloProcess.StartAsync(database.ConnectionString, "remind-c");
        var after = await Eventually.WaitForAsync(
            async () => (await restarted.Http.GetFromJsonAsync<TickerState>("/test/ticker/durable"))!,
            s => s.Count >= countAtCrash + 2, TimeSpan.FromSeconds(30));
        Assert.True(after.Count >= countAtCrash + 2);
    }
}

/// <summary>The test silo's ticker state as its route returns it.</summary>
internal sealed record TickerState(int Count, List<DateTimeOffset> ReceivedAt);
