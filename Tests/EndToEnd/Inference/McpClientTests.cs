extern alias gorelay;

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Inference;

/// <summary>
/// The MCP server as a desktop or agent client sees it, driven by the official TypeScript SDK's client: over Streamable
/// HTTP at the gateway's <c>/mcp</c> and over stdio through <c>gorelay mcp</c>, it lists the five tools with schemas,
/// calls each, reads the resources, and pays exactly for the calls that were answered (tool errors carry the API's
/// problem codes and cost nothing; an exhausted channel refuses the call).
/// </summary>
public sealed class McpClientTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    private const long Price = 1_000_000; // the standard tier
    private static readonly string[] ToolNames = ["estimate_territory", "predict_move", "review_game", "train_local", "verify_model"];

    [Fact]
    public async Task TheTypeScriptClientListsAndCallsEveryToolOverBothTransportsAndPaysOnlyForAnsweredCalls()
    {
        await using var silo = await SiloProcess.StartAsync(database.ConnectionString, "mcp-a", TinyModel);
        using var operatorClient = new HttpClient { BaseAddress = new Uri(silo.Url) };
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.OperatorToken);
        (await operatorClient.PostAsJsonAsync("/api/v1/accounts", new { accountId = "mcp-client", kind = "api_client", flags = new[] { "debits_must_not_exceed_credits" } })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync("/api/v1/transfers", new { transferId = "fund-mcp-client", debitAccountId = "treasury", creditAccountId = "mcp-client", amount = 100 * Price, code = 1 })).EnsureSuccessStatusCode();
        var key = (await (await operatorClient.PostAsync("/api/v1/accounts/mcp-client/api-keys", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        using var client = new HttpClient { BaseAddress = new Uri(silo.Url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var channelId = (await (await client.PostAsJsonAsync("/api/v1/channels", new { deposit = (9 * Price) + (Price / 2) })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channelId").GetString()!;

        // A game played through the gateway, for the SGF resource.
        (await operatorClient.PostAsJsonAsync("/api/v1/games", new { gameId = "mcp-game", black = "mcp-b", white = "mcp-w", size = 9, rules = "chinese", rated = false })).EnsureSuccessStatusCode();
        string[] played = ["E5", "C3", "G7", "C7"];
        for (var i = 0; i < played.Length; i++)
        {
            (await operatorClient.PostAsJsonAsync("/api/v1/games/mcp-game/moves", new { player = i % 2 == 0 ? "mcp-b" : "mcp-w", moveNumber = i + 1, move = played[i] })).EnsureSuccessStatusCode();
        }
        var (sgf, record) = NineByNineGames().First();
        var second = NineByNineGames().Skip(1).First().Sgf;

        // Streamable HTTP, the channel named by the connection's header.
        var http = await McpClientCheck.RunAsync(new
        {
            transport = "http",
            url = silo.Url + "/mcp",
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key, ["X-Channel-Id"] = channelId },
            calls = new object[]
            {
                Call("predict_move", new { size = 9, toPlay = "B", moves = new[] { "E5", "C3" }, topK = 3 }),
                Call("predict_move", new { sgf, moveNumber = 10 }),
                Call("predict_move", new { size = 9, komi = record.Komi, toPlay = record.Moves[10].Player.ToLetter().ToString(), moves = record.Moves[..10].Select(m => m.Point.ToGtp(9)).ToArray() }),
                Call("predict_move", new { size = 9, toPlay = "W", moves = new[] { "E5", "E5" } }),
                Call("predict_move", new { size = 19, toPlay = "B" }),
                Call("estimate_territory", new { sgf }),
                Call("review_game", new { sgf }),
                Call("review_game", new { sgf = "(;GM[1]SZ[9];B[ee];W[" }),
                Call("train_local", new { games = new[] { sgf, second }, steps = 5, batchSize = 16 }),
                Call("verify_model", new { oldVersion = new string('0', 64), newVersion = new string('1', 64), roundId = "round-none" }),
                Call("predict_move", new { size = 9, toPlay = "B", channelId = "ch-not-a-channel" }),
            },
            reads = new[] { "gorelay://models/promoted/card", "gorelay://games/mcp-game/sgf", "gorelay://games/no-such-game/sgf" },
        }, TimeSpan.FromSeconds(120));
        output.WriteLine(string.Join("\n", http.GetProperty("calls").EnumerateArray().Select(c => $"{c.GetProperty("tool")}: error={c.GetProperty("isError")} {c.GetProperty("milliseconds").GetDouble():F0} ms {Text(c)[..Math.Min(160, Text(c).Length)]}")));

        Assert.Equal("gorelay", http.GetProperty("server").GetProperty("name").GetString());
        AssertToolsListed(http);
        var predicted = Answered(http, 0);
        Assert.Equal(Price, predicted.GetProperty("charged").GetInt64());
        Assert.DoesNotContain(predicted.GetProperty("move").GetString(), new[] { "E5", "C3" });
        Assert.Equal(3, predicted.GetProperty("alternatives").GetArrayLength());
        var fromSgf = Answered(http, 1);
        Assert.Equal(Price, fromSgf.GetProperty("charged").GetInt64());
        // The SGF and the move number name the same position as its first ten moves written out.
        var explicitMoves = Answered(http, 2);
        Assert.Equal(explicitMoves.GetProperty("move").GetString(), fromSgf.GetProperty("move").GetString());
        Assert.Equal(explicitMoves.GetProperty("winProbability").GetDouble(), fromSgf.GetProperty("winProbability").GetDouble());
        AssertToolError(http, 3, "illegal_move (422)");
        AssertToolError(http, 4, "wrong_board_size (400)");
        var territory = Answered(http, 5);
        Assert.Equal(9, territory.GetProperty("ownership").GetArrayLength());
        Assert.All(territory.GetProperty("ownership").EnumerateArray(), row => Assert.Equal(9, row.GetString()!.Length));
        Assert.Equal(81, territory.GetProperty("blackPoints").GetInt32() + territory.GetProperty("whitePoints").GetInt32() + territory.GetProperty("undecided").GetInt32());
        var review = Answered(http, 6);
        Assert.Equal(record.Moves.Length, review.GetProperty("moves").GetInt32());
        Assert.Equal(record.Moves.Length, review.GetProperty("blackWinProbability").GetArrayLength());
        Assert.Equal(Price, review.GetProperty("charged").GetInt64());
        AssertToolError(http, 7, "invalid_sgf (400)");
        var trained = Answered(http, 8);
        Assert.Equal(5, trained.GetProperty("steps").GetInt32());
        Assert.Equal(2, trained.GetProperty("games").GetInt32());
        Assert.True(trained.GetProperty("positions").GetInt32() > 0);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(trained.GetProperty("update").GetBytesFromBase64())), trained.GetProperty("updateSha256").GetString());
        AssertToolError(http, 9, "unknown_model (404)");
        Assert.True(McpClientCheck.Call(http, 10).GetProperty("isError").GetBoolean());
        var reads = http.GetProperty("reads");
        Assert.StartsWith("# Model version 1", reads[0].GetProperty("contents")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var gameSgf = reads[1].GetProperty("contents")[0];
        Assert.Equal("application/x-go-sgf", gameSgf.GetProperty("mimeType").GetString());
        Assert.Equal(played, GameImporter.Import(SgfParser.Parse(gameSgf.GetProperty("text").GetString()!)[0]).Moves.Select(m => m.Point.ToGtp(9)));
        Assert.Contains("unknown_game", reads[2].GetProperty("error").GetString(), StringComparison.Ordinal);
        // Six answered calls drew six prices; the refusals drew nothing.
        Assert.Equal(6 * Price, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}")).GetProperty("drawn").GetInt64());

        // The channel runs out: three more calls fit in the deposit, the fourth is refused with the payment problem.
        var draining = await McpClientCheck.RunAsync(new
        {
            transport = "http",
            url = silo.Url + "/mcp",
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key },
            calls = Enumerable.Range(0, 4).Select(i => Call("predict_move", new { size = 9, toPlay = "W", moves = new[] { "D4" }, channelId })).ToArray(),
        }, TimeSpan.FromSeconds(60));
        Assert.All(Enumerable.Range(0, 3), i => Answered(draining, i));
        AssertToolError(draining, 3, "channel_exhausted (402)");
        var closed = await (await client.PostAsync($"/api/v1/channels/{channelId}/close", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(9 * Price, closed.GetProperty("settled").GetInt64());
        Assert.Equal(Price / 2, closed.GetProperty("refund").GetInt64());

        // Without a key the endpoint answers 401 before MCP: the client cannot connect.
        var anonymous = await Assert.ThrowsAsync<InvalidOperationException>(() => McpClientCheck.RunAsync(new { transport = "http", url = silo.Url + "/mcp" }, TimeSpan.FromSeconds(60)));
        Assert.Contains("401", anonymous.Message, StringComparison.Ordinal);

        // stdio through gorelay mcp, which opens a channel for the session and settles it when the client leaves.
        var gorelay = ChildProcess.BuiltDll("Cli", "gorelay");
        var stdio = await McpClientCheck.RunAsync(new
        {
            transport = "stdio",
            command = "dotnet",
            args = new[] { gorelay, "mcp", "--gateway", silo.Url, "--api-key", key, "--deposit", (5 * Price).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            calls = new object[]
            {
                Call("predict_move", new { size = 9, toPlay = "B", moves = new[] { "E5" } }),
                Call("estimate_territory", new { size = 9, toPlay = "B", moves = new[] { "E5" } }),
                Call("review_game", new { sgf }),
                Call("train_local", new { games = new[] { sgf }, steps = 2 }),
                Call("verify_model", new { oldVersion = new string('0', 64), newVersion = new string('1', 64), roundId = "round-none" }),
                Call("predict_move", new { size = 9, toPlay = "B", moves = new[] { "Z42" } }),
            },
            reads = new[] { "gorelay://models/promoted/card" },
        }, TimeSpan.FromSeconds(120));
        AssertToolsListed(stdio);
        Assert.All(Enumerable.Range(0, 4), i => Answered(stdio, i));
        AssertToolError(stdio, 4, "unknown_model (404)");
        AssertToolError(stdio, 5, "invalid_vertex (400)");
        Assert.StartsWith("# Model version 1", stdio.GetProperty("reads")[0].GetProperty("contents")[0].GetProperty("text").GetString(), StringComparison.Ordinal);

        // 9 calls over HTTP and 4 over stdio were answered: the account paid exactly 13 prices once the bridge closed its channel.
        var balance = await Eventually.WaitForAsync(
            async () => (await operatorClient.GetFromJsonAsync<JsonElement>("/api/v1/accounts/mcp-client")).GetProperty("balance").GetInt64(),
            b => b == 87 * Price, TimeSpan.FromSeconds(30));
        Assert.Equal(87 * Price, balance);
        var ledger = await operatorClient.GetFromJsonAsync<JsonElement>("/api/v1/ledger/verify");
        Assert.True(ledger.GetProperty("chainValid").GetBoolean());
        Assert.Equal(0, ledger.GetProperty("sumOfBalances").GetInt64());
    }

    /// <summary>A silo serving the tiny 9×9 genesis model.</summary>
    internal static Dictionary<string, string> TinyModel => new()
    {
        ["Fl__ValidationGames__0"] = Path.Combine(GoData.Directory, "gnugo-regression.sgf.gz"),
        ["Fl__Genesis__BoardSize"] = "9",
        ["Fl__Genesis__Blocks"] = "1",
        ["Fl__Genesis__Channels"] = "8",
        ["Fl__Genesis__ValueHidden"] = "16",
        ["Fl__ValidationPositions"] = "300",
    };

    private static object Call(string tool, object arguments) => new { tool, arguments };

    /// <summary>Real 9×9 games of 30 moves or more without setup between moves, as SGF.</summary>
    private static IEnumerable<(string Sgf, GameRecord Record)> NineByNineGames() =>
        SgfParser.ReadFile(GoData.File("gnugo-regression.sgf.gz"))
            .Where(e => e.Game is not null)
            .Select(e => (Sgf: SgfWriter.Write(e.Game!), Record: TryImport(e.Game!)))
            .Where(g => g.Record is { Size: 9, Handicap: 0, Setup.Count: 0, Moves.Length: >= 30 })
            .Select(g => (g.Sgf, g.Record!));

    private static GameRecord? TryImport(SgfNode game)
    {
        try
        {
            return GameImporter.Import(game);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void AssertToolsListed(JsonElement report)
    {
        var tools = report.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(ToolNames, tools.Select(t => t.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(tools, t =>
        {
            Assert.Equal("object", t.GetProperty("inputSchema").GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.Object, t.GetProperty("outputSchema").ValueKind);
            Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("description").GetString()));
        });
        var predict = tools.Single(t => t.GetProperty("name").GetString() == "predict_move").GetProperty("inputSchema").GetProperty("properties");
        Assert.All(new[] { "size", "toPlay", "moves", "blackStones", "sgf", "moveNumber", "topK", "channelId" }, p => Assert.True(predict.TryGetProperty(p, out _), p));
        Assert.Contains(report.GetProperty("templates").EnumerateArray(), t => t.GetProperty("uriTemplate").GetString() == "gorelay://games/{gameId}/sgf");
        Assert.Contains(report.GetProperty("templates").EnumerateArray(), t => t.GetProperty("uriTemplate").GetString() == "gorelay://models/{modelHash}/card");
        Assert.Contains(report.GetProperty("resources").EnumerateArray(), r => r.GetProperty("uri").GetString() == "gorelay://models/promoted/card");
    }

    private static JsonElement Answered(JsonElement report, int index)
    {
        var call = McpClientCheck.Call(report, index);
        Assert.False(call.GetProperty("isError").GetBoolean(), $"call {index} ({call.GetProperty("tool")}) failed: {Text(call)}");
        return call.GetProperty("structuredContent");
    }

    private static void AssertToolError(JsonElement report, int index, string code)
    {
        var call = McpClientCheck.Call(report, index);
        Assert.True(call.GetProperty("isError").GetBoolean(), $"call {index} ({call.GetProperty("tool")}) should have failed");
        Assert.Contains(code, Text(call), StringComparison.Ordinal);
    }

    private static string Text(JsonElement call) => call.GetProperty("text").GetString() ?? "";
}
