using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Games;

/// <summary>The game and player routes of API.md through the real silo host and PostgreSQL.</summary>
public sealed class GameApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static object Move(string player, int number, string move) => new { player, moveNumber = number, move };

    [Fact]
    public async Task MovesAreValidatedIdempotentByNumberAndEndInConsensusAndRatings()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);

        var created = await TestRelay.PostAsync(client, "/api/v1/games", new { gameId = "g-api-1", black = "alice", white = "bob", size = 9, rules = "chinese", rated = true });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(7.5, created.Body.GetProperty("spec").GetProperty("komi").GetDouble());
        Assert.Equal("playing", created.Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await TestRelay.PostAsync(client, "/api/v1/games", new { gameId = "g-api-1", black = "alice", white = "bob", size = 9, rules = "chinese", rated = true })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await TestRelay.PostAsync(client, "/api/v1/games", new { gameId = "g-api-1", black = "alice", white = "carol", size = 9 })).Status);

        var first = await TestRelay.PostAsync(client, "/api/v1/games/g-api-1/moves", Move("alice", 1, "E5"));
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("E5", first.Body.GetProperty("move").GetProperty("move").GetString());
        var repeat = await TestRelay.PostAsync(client, "/api/v1/games/g-api-1/moves", Move("alice", 1, "e5"));
        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.True(repeat.Body.GetProperty("repeated").GetBoolean());

        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("alice", 1, "D4"), HttpStatusCode.Conflict, "move_out_of_order");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("alice", 3, "D4"), HttpStatusCode.Conflict, "move_out_of_order");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("alice", 2, "D4"), HttpStatusCode.Conflict, "not_your_turn");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("bob", 2, "E5"), (HttpStatusCode)422, "illegal_move");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("bob", 2, "Z99"), HttpStatusCode.BadRequest, "malformed_vertex");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("bob", 2, "J10"), HttpStatusCode.BadRequest, "malformed_vertex");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("mallory", 2, "D4"), HttpStatusCode.Forbidden, "not_a_player");
        await AssertProblemAsync(client, "/api/v1/games/nope/moves", Move("bob", 1, "D4"), HttpStatusCode.NotFound, "unknown_game");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/result", new { player = "alice", result = "B+1" }, HttpStatusCode.Conflict, "game_not_ended");

        Assert.Equal(HttpStatusCode.OK, (await TestRelay.PostAsync(client, "/api/v1/games/g-api-1/moves", Move("bob", 2, "pass"))).Status);
        var end = await TestRelay.PostAsync(client, "/api/v1/games/g-api-1/moves", Move("alice", 3, "pass"));
        Assert.Equal("counting", end.Body.GetProperty("state").GetString());
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/moves", Move("bob", 4, "D4"), HttpStatusCode.Conflict, "game_over");
        await AssertProblemAsync(client, "/api/v1/games/g-api-1/result", new { player = "alice", result = "B wins" }, HttpStatusCode.BadRequest, "malformed_result");

        Assert.Equal(HttpStatusCode.OK, (await TestRelay.PostAsync(client, "/api/v1/games/g-api-1/result", new { player = "alice", result = "B+73.5" })).Status);
        var agreed = await TestRelay.PostAsync(client, "/api/v1/games/g-api-1/result", new { player = "bob", result = "b+73.5" });
        Assert.Equal("agreed", agreed.Body.GetProperty("state").GetString());
        Assert.True(agreed.Body.GetProperty("consensus").GetBoolean());
        Assert.True(agreed.Body.GetProperty("rated").GetBoolean());

        var sgf = await client.GetStringAsync("/api/v1/games/g-api-1/sgf");
        Assert.Contains("RE[B+73.5]", sgf, StringComparison.Ordinal);
        Assert.Contains(";B[ee];W[];B[]", sgf, StringComparison.Ordinal);

        // Glicko-2 from 1500/350/0.06 after one win against an equal opponent: 1662.3 (Glickman's formulas, τ = 0.5).
        var alice = await client.GetFromJsonAsync<JsonElement>("/api/v1/players/alice");
        var bob = await client.GetFromJsonAsync<JsonElement>("/api/v1/players/bob");
        Assert.Equal(1662.3, alice.GetProperty("rating").GetDouble(), 1);
        Assert.Equal(1337.7, bob.GetProperty("rating").GetDouble(), 1);
        Assert.Equal(1, alice.GetProperty("games").GetInt32());
        var opponents = await client.GetFromJsonAsync<JsonElement>("/api/v1/players/alice/opponents?range=400&limit=5");
        Assert.Equal("bob", opponents[0].GetProperty("playerId").GetString());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/players/alice/opponents?range=100")).GetArrayLength());

        using var metrics = await client.GetAsync("/metrics");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE gorelay_game_moves_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gorelay_game_consensus_total counter", text, StringComparison.Ordinal);
        // Every series the README's metrics table documents for the cluster (the failover histogram's once a relay died).
        Assert.All(MetricsTable.PrometheusNames("OrleansGoRelay").Where(n => n != "gorelay_relay_failover_duration_seconds"),
            name => Assert.Contains("\n" + name, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisagreeingResultsAreADisputeAndLeaveRatingsAlone()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        await TestRelay.PostAsync(client, "/api/v1/games", new { gameId = "g-api-2", black = "dora", white = "emil", size = 9 });
        await TestRelay.PostAsync(client, "/api/v1/games/g-api-2/moves", Move("dora", 1, "resign"));
        await TestRelay.PostAsync(client, "/api/v1/games/g-api-2/result", new { player = "dora", result = "W+R" });
        var disputed = await TestRelay.PostAsync(client, "/api/v1/games/g-api-2/result", new { player = "emil", result = "B+R" });
        Assert.Equal("disputed", disputed.Body.GetProperty("state").GetString());
        Assert.False(disputed.Body.GetProperty("consensus").GetBoolean());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/players/dora")).GetProperty("games").GetInt32());
    }

    [Fact]
    public async Task TheFrameworksOwnRefusalsAreProblemDocumentsWithACode()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        await TestRelay.PostAsync(client, "/api/v1/games", new { gameId = "g-refusals", black = "alice", white = "bob", size = 9 });

        async Task Expect(HttpRequestMessage request, HttpStatusCode status, string code)
        {
            using (request)
            using (var response = await client.SendAsync(request))
            {
                await AssertIsProblemAsync(response, status, code);
            }
        }
        HttpRequestMessage Post(string path, string? json, string mediaType = "application/json") =>
            new(HttpMethod.Post, path) { Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, mediaType) };

        await Expect(Post("/api/v1/games/g-refusals/moves", "{\"player\": \"alice\", "), HttpStatusCode.BadRequest, "malformed_json");
        await Expect(Post("/api/v1/games/g-refusals/moves", "[1, 2]"), HttpStatusCode.BadRequest, "malformed_json");
        await Expect(Post("/api/v1/games/g-refusals/moves", "{\"player\": \"alice\", \"moveNumber\": \"1\", \"move\": \"E5\"}"), HttpStatusCode.BadRequest, "malformed_json");
        await Expect(Post("/api/v1/games/g-refusals/moves", null), HttpStatusCode.BadRequest, "empty_body");
        await Expect(Post("/api/v1/games/g-refusals/moves", "player=alice", "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await Expect(Post("/api/v1/games/g-refusals/moves", "{}"), HttpStatusCode.BadRequest, "invalid_move");
        await Expect(new HttpRequestMessage(HttpMethod.Get, "/api/v1/no-such-route"), HttpStatusCode.NotFound, "not_found");
        await Expect(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/games/g-refusals/moves"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await Expect(new HttpRequestMessage(HttpMethod.Get, "/api/v1/players/alice/opponents?limit=many"), HttpStatusCode.BadRequest, "invalid_parameter");
        // The refusals changed nothing.
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/v1/games/g-refusals")).GetProperty("moves").EnumerateArray());
    }

    private static async Task AssertProblemAsync(HttpClient client, string path, object body, HttpStatusCode status, string code)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        await AssertIsProblemAsync(response, status, code);
    }

    private static async Task AssertIsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
    }
}
