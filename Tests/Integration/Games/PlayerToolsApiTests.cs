using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Pictures;
using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Tests.Infrastructure;
using SkiaSharp;

namespace OrleansGoRelay.Tests.Games;

/// <summary>
/// The player tools over games played through the gateway: the review streamed with progress (<c>?stream=true</c>),
/// the style profile per player (<c>/api/v1/players/{playerId}/style</c>) and the board pictures (<c>heatmap.png</c>).
/// </summary>
public sealed class PlayerToolsApiTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    // Black builds on the lower left, White on the upper right (9x9).
    private static readonly string[] Opening = ["C3", "G7", "C4", "G6", "D3", "F7", "B5", "H5", "E2", "E8", "C6", "G4"];

    private static async Task PlayAsync(HttpClient client, string gameId, string black, string white, string[] moves)
    {
        (await client.PostAsJsonAsync("/api/v1/games", new { gameId, black, white, size = 9, rules = "chinese", rated = false })).EnsureSuccessStatusCode();
        for (var i = 0; i < moves.Length; i++)
        {
            (await client.PostAsJsonAsync($"/api/v1/games/{gameId}/moves", new { player = i % 2 == 0 ? black : white, moveNumber = i + 1, move = moves[i] })).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task AStreamedReviewSendsProgressLinesThenTheReviewAndARefusalIsStillAProblem()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 100);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        // A real 9x9 game of more moves than one batch of 64 positions, so the stream has more than one progress line.
        var record = GoData.Games.Select(g => g.Record)
            .First(r => r is { Size: 9, Handicap: 0, Setup.Count: 0, Moves.Length: > 70 } && r.Moves.SkipLast(2).All(m => !m.IsPass));
        await PlayAsync(client, "stream-1", "pb", "pw", [.. record.Moves.TakeWhile(m => !m.IsPass).Select(m => m.Point.ToGtp(9))]);

        var response = await client.GetAsync("/api/v1/games/stream-1/review?stream=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var played = (await client.GetFromJsonAsync<JsonElement>("/api/v1/games/stream-1")).GetProperty("moves").GetArrayLength();

        var progress = lines.SkipLast(1).ToList();
        Assert.True(progress.Count >= 2, $"{progress.Count} progress lines");
        Assert.All(progress, p => Assert.Equal("progress", p.GetProperty("type").GetString()));
        Assert.All(progress, p => Assert.Equal(played + 1, p.GetProperty("total").GetInt32())); // every move's position and the final one
        var reviewed = progress.Select(p => p.GetProperty("reviewed").GetInt32()).ToList();
        Assert.Equal(reviewed.Order(), reviewed);
        Assert.Equal(played + 1, reviewed[^1]);
        var last = lines[^1];
        Assert.Equal("review", last.GetProperty("type").GetString());
        var review = last.GetProperty("review");
        Assert.Equal(played, review.GetProperty("moves").GetInt32());
        Assert.InRange(review.GetProperty("criticalMoves").GetArrayLength(), 0, 5);
        // The same review as the plain route gives.
        var plain = await client.GetFromJsonAsync<JsonElement>("/api/v1/games/stream-1/review");
        Assert.Equal(plain.GetProperty("blackWinProbability").ToString(), review.GetProperty("blackWinProbability").ToString());

        (await client.PostAsJsonAsync("/api/v1/games", new { gameId = "stream-19", black = "sb", white = "sw", size = 19 })).EnsureSuccessStatusCode();
        var otherSize = await client.GetAsync("/api/v1/games/stream-19/review?stream=true");
        Assert.Equal(HttpStatusCode.BadRequest, otherSize.StatusCode);
        Assert.Equal("wrong_board_size", (await otherSize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var unknown = await client.GetAsync("/api/v1/games/no-such-game/review?stream=true");
        Assert.Equal("unknown_game", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AStyleProfileCoversThePlayersGamesHereWithClockSpeedAndConsistencyAndAnUnknownPlayerIsA404()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 100);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        await PlayAsync(client, "style-1", "ann", "bob", Opening);
        await PlayAsync(client, "style-2", "bob", "ann", ["E5", "C3", "G7", "C7", "G3", "E3", "E7", "C5"]);
        await PlayAsync(client, "style-3", "carl", "dora", ["E5", "C3"]);

        var style = await client.GetFromJsonAsync<JsonElement>("/api/v1/players/ann/style");

        Assert.Equal("ann", style.GetProperty("playerId").GetString());
        Assert.Equal(2, style.GetProperty("games").GetInt32());
        Assert.Equal(2, style.GetProperty("gamesPlayed").GetInt32());
        var profile = style.GetProperty("style");
        Assert.Equal(Opening.Length / 2 + 4, profile.GetProperty("moves").GetInt32()); // Black's 6 moves in the first game, White's 4 in the second
        Assert.Equal("clock", profile.GetProperty("speed").GetProperty("basis").GetString()); // the cluster timed every accepted move
        Assert.True(profile.GetProperty("speed").GetProperty("medianSecondsPerMove").GetDouble() >= 0);
        var consistency = profile.GetProperty("consistency");
        Assert.Equal(2, consistency.GetProperty("gamesMeasured").GetInt32());
        Assert.InRange(consistency.GetProperty("meanQuality").GetDouble(), 0, 1);
        Assert.InRange(consistency.GetProperty("stdDevAcrossGames").GetDouble(), 0, 1);
        foreach (var dimension in new[] { "territorial", "fighting" })
        {
            Assert.InRange(profile.GetProperty(dimension).GetProperty("score").GetDouble(), 0, 1);
        }
        Assert.True(style.GetProperty("definitions").TryGetProperty("territorial.lowLineShare", out _));
        var current = await client.GetFromJsonAsync<JsonElement>("/api/v1/models/current");
        Assert.Equal(current.GetProperty("modelHash").GetString(), style.GetProperty("modelVersion").GetString());

        var limited = await client.GetFromJsonAsync<JsonElement>("/api/v1/players/ann/style?games=1");
        Assert.Equal((1, 2), (limited.GetProperty("games").GetInt32(), limited.GetProperty("gamesPlayed").GetInt32()));
        var unknown = await client.GetAsync("/api/v1/players/nobody/style");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal("unknown_player", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var tooMany = await client.GetAsync("/api/v1/players/ann/style?games=0");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task TheHeatmapIsAPngOfSensibleSizeAndTheInfluenceMapLeansToTheSideThatHoldsTheBoard()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 100);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        // One side takes the board's centre and three sides, the other one corner; then the same with the colours swapped.
        string[] strong = ["C3", "C5", "C7", "E3", "E5", "E7", "G3", "G5", "G7"];
        string[] weak = ["J9", "H9", "J8", "H8", "A1", "A2", "B1", "B2", "J7"];
        await PlayAsync(client, "map-black", "mb", "mw", [.. strong.Zip(weak).SelectMany(pair => new[] { pair.First, pair.Second })]);
        await PlayAsync(client, "map-white", "mb", "mw", [.. weak.Zip(strong).SelectMany(pair => new[] { pair.First, pair.Second })]);

        foreach (var kind in new[] { "moves", "influence" })
        {
            var response = await client.GetAsync($"/api/v1/games/map-black/heatmap.png?kind={kind}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            var png = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
            var (width, height) = (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            Assert.InRange(height, 400, 2000);
            Assert.InRange(width, height, 2 * height); // the board and its colour bar
        }

        var black = await SideShares(client, "map-black");
        var white = await SideShares(client, "map-white");
        Assert.True(black.Black > 2 * black.White, $"Black's game: {black.Black} blue pixels, {black.White} orange");
        Assert.True(white.White > 2 * white.Black, $"White's game: {white.White} orange pixels, {white.Black} blue");

        var wrongKind = await client.GetAsync("/api/v1/games/map-black/heatmap.png?kind=fire");
        Assert.Equal("invalid_query", (await wrongKind.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var unknown = await client.GetAsync("/api/v1/games/no-such-game/heatmap.png");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    // How many pixels of the influence picture are near Black's end of the colour scale and how many near White's,
    // the colour bar (the same in every picture) left out: the right-hand strip beyond the board.
    private static async Task<(int Black, int White)> SideShares(HttpClient client, string gameId)
    {
        using var bitmap = SKBitmap.Decode(await client.GetByteArrayAsync($"/api/v1/games/{gameId}/heatmap.png?kind=influence"));
        var boardRight = bitmap.Height; // the board is square and the picture's extra width is the colour bar
        int blackSide = 0, whiteSide = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < Math.Min(boardRight - 40, bitmap.Width); x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                blackSide += Near(pixel, BoardPictures.BlackSide) ? 1 : 0;
                whiteSide += Near(pixel, BoardPictures.WhiteSide) ? 1 : 0;
            }
        }
        return (blackSide, whiteSide);
    }

    private static bool Near(SKColor pixel, ScottPlot.Color target) =>
        Math.Abs(pixel.Red - target.R) + Math.Abs(pixel.Green - target.G) + Math.Abs(pixel.Blue - target.B) < 60;
}
