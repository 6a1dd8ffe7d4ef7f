using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Runtime;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.TestSilo;

namespace OrleansGoRelay.Tests.Runtime;

public sealed class CorruptStateTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("'{\"value\": \"not a number\"}'", "OrleansGoRelay.TestSilo.CounterState", "does not match")]
    [InlineData("'{\"value\": 3}'", "Some.Other.Type", "holds a 'Some.Other.Type'")]
    [InlineData("'null'", "OrleansGoRelay.TestSilo.CounterState", "is null")]
    public async Task ACorruptedOrForeignStateRowGivesAClearErrorNamingTheGrain(string json, string stateType, string reason)
    {
        await using var cluster = await Clusters.StartAsync(Provider.Postgres, database, silos: 1);
        var key = Guid.NewGuid().ToString("N");
        await database.ExecuteAsync($"INSERT INTO grain_state VALUES ('counter', '{key}', 'counter', '{stateType}', {json}::jsonb, 7)");

        var error = await Assert.ThrowsAsync<GrainStateCorruptedException>(() => cluster.Client.GetGrain<ICounterGrain>(key).Increment());

        Assert.Contains($"counter/{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        // The silo carries on: the same grain fails again clearly, other grains work.
        await Assert.ThrowsAsync<GrainStateCorruptedException>(() => cluster.Client.GetGrain<ICounterGrain>(key).Value());
        Assert.Equal(1, await cluster.Client.GetGrain<ICounterGrain>($"healthy-{key}").Increment());
        // Nothing was written over the bad row.
        Assert.Equal(7, await database.ScalarAsync<long>($"SELECT version FROM grain_state WHERE grain_key = '{key}'"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ASiloProcessAnswersACorruptedGrainWithAProblemAndKeepsServing()
    {
        await using var silo = await SiloProcess.StartAsync(database.ConnectionString, "corrupt");
        await database.ExecuteAsync("INSERT INTO grain_state VALUES ('ticker', 'broken', 'ticks', 'OrleansGoRelay.TestSilo.TickerState', '[1,2,3]'::jsonb, 1)");
        // A reminder on the broken grain fires every 200 ms: it must fail quietly, not crash-loop the silo.
        await database.ExecuteAsync("INSERT INTO reminders (grain_type, grain_key, name, period, first_due_at, due_at) VALUES ('ticker', 'broken', 'tick', '200 ms', now(), now())");

        using var response = await silo.Http.GetAsync("/test/ticker/broken");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("grain_state_corrupted", problem.GetProperty("code").GetString());
        Assert.Contains("ticker/broken", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await Task.Delay(1500);
        Assert.False(silo.HasExited);
        Assert.Equal(1, await (await silo.Http.PostAsync("/test/counter/fine/increment", null)).Content.ReadFromJsonAsync<long>());
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/health/ready")).StatusCode);
    }
}
