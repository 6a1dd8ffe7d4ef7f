using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Games;

/// <summary><c>GET /api/v1/games/{gameId}/review</c>: a game played through the gateway, reviewed by the promoted model.</summary>
public sealed class GameReviewApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AGamePlayedHereIsReviewedMoveByMoveAndUnknownOrOtherSizedGamesAreProblems()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 300);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        string[] moves = ["E5", "C3", "G7", "C7", "G3", "E3", "E7", "C5", "G5", "D4", "F4", "D6"];
        (await client.PostAsJsonAsync("/api/v1/games", new { gameId = "review-1", black = "rb", white = "rw", size = 9, rules = "chinese", rated = false })).EnsureSuccessStatusCode();
        for (var i = 0; i < moves.Length; i++)
        {
            (await client.PostAsJsonAsync("/api/v1/games/review-1/moves", new { player = i % 2 == 0 ? "rb" : "rw", moveNumber = i + 1, move = moves[i] })).EnsureSuccessStatusCode();
        }

        var review = await client.GetFromJsonAsync<JsonElement>("/api/v1/games/review-1/review");
        var current = await client.GetFromJsonAsync<JsonElement>("/api/v1/models/current");
        Assert.Equal(moves.Length, review.GetProperty("moves").GetInt32());
        Assert.Equal(moves.Length, review.GetProperty("blackWinProbability").GetArrayLength());
        Assert.Equal(current.GetProperty("modelHash").GetString(), review.GetProperty("modelVersion").GetString());
        Assert.All(new[] { "B", "W" }, colour => Assert.InRange(review.GetProperty("agreement").GetProperty(colour).GetDouble(), 0, 1));
        Assert.Equal(0, review.GetProperty("charged").GetInt64());

        var unknown = await client.GetAsync("/api/v1/games/no-such-game/review");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown_game", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        (await client.PostAsJsonAsync("/api/v1/games", new { gameId = "review-19", black = "rb", white = "rw", size = 19 })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/v1/games/review-19/moves", new { player = "rb", moveNumber = 1, move = "Q16" })).EnsureSuccessStatusCode();
        var otherSize = await client.GetAsync("/api/v1/games/review-19/review");
        Assert.Equal(HttpStatusCode.BadRequest, otherSize.StatusCode);
        Assert.Equal("wrong_board_size", (await otherSize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
