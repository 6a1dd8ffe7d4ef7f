using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>A stored state the grain cannot read fails that grain clearly, and only that grain.</summary>
[Trait("Category", "Slow")]
public sealed class CorruptStateTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("ticker", "broken", "ticks", "[1,2,3]")]
    [InlineData("counter", "foreign", "counter", "{\"value\": \"not a number\"}")]
    public async Task ACorruptedOrForeignStateRowIsAProblemNamingTheGrainAndTheSiloCarriesOn(string grainType, string key, string stateName, string json)
    {
        await using var silo = await SiloProcess.StartAsync(database.ConnectionString, "corrupt");
        await database.ExecuteAsync("INSERT INTO grain_state VALUES ($1, $2, $3, 'Some.Type', $4::jsonb, 7)", grainType, key, stateName, json);

        using var response = await silo.Http.GetAsync($"/test/{grainType}/{key}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("grain_state_corrupted", problem.GetProperty("code").GetString());
        Assert.Contains($"{grainType}/{key}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The silo carries on: other grains work, it stays ready, and nothing was written over the bad row.
        Assert.Equal(1, await (await silo.Http.PostAsync($"/test/counter/fine-{key}/increment", null)).Content.ReadFromJsonAsync<long>());
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/health/ready")).StatusCode);
        Assert.False(silo.HasExited);
        Assert.Equal(7, await database.ScalarAsync<long>("SELECT version FROM grain_state WHERE grain_type = $1 AND grain_key = $2", grainType, key));
    }
}
