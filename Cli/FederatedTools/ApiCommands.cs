using System.CommandLine;
using System.Globalization;
using System.Net;
using OrleansGoRelay.Cli.Play;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary>
/// <c>gorelay api test</c>: a smoke test of the gateway's public routes (API.md) against a running cluster: each route
/// answers with its documented status and shape, bad input gets a problem document with a code, and nothing is a 5xx.
/// It creates one game (and plays its first move) and reads everything else.
/// </summary>
internal static class ApiCommands
{
    private sealed record Check(string Name, Func<GatewayClient, CancellationToken, Task<string?>> Run);

    public static Command Command()
    {
        var api = new Command("api", "The gateway's public API");
        var test = new Command("test", "Smoke-test the public routes of a running cluster; exits 1 when any check fails") { FederationOptions.Gateways, FederationOptions.Token };
        test.SetAction(async (parse, cancellationToken) =>
        {
            using var gateway = FederationOptions.Client(parse);
            s_gateway = FederationOptions.GatewaysOf(parse)[0].TrimEnd('/') + "/";
            var game = "api-test-" + Guid.NewGuid().ToString("N")[..8];
            Check[] checks =
            [
                new("GET /health/ready", (g, c) => Status(g, "health/ready", HttpStatusCode.OK, c)),
                new("GET /openapi/v1.json", (g, c) => Has(g, "openapi/v1.json", "paths", c)),
                new("GET /api/v1/relays", (g, c) => Array(g, "api/v1/relays", c)),
                new("POST /api/v1/route", async (g, c) => Answer(await g.PostAsync("api/v1/route", new { playerId = game + "-b", latitude = 52.0, longitude = 4.9, gameType = "teaching" }, c), "relayId")),
                new("POST /api/v1/route (bad gameType)", async (g, c) => Problem(await g.PostAsync("api/v1/route", new { playerId = "x", latitude = 0.0, longitude = 0.0, gameType = "chess" }, c), "invalid_game_type")),
                new("POST /api/v1/games", async (g, c) => Answer(await g.PostAsync("api/v1/games", new { gameId = game, black = game + "-b", white = game + "-w", size = 9, rules = "chinese", rated = false }, c), "gameId")),
                new("POST /api/v1/games/{id}/moves", async (g, c) => Answer(await g.PostAsync($"api/v1/games/{game}/moves", new { player = game + "-b", moveNumber = 1, move = "E5" }, c), "move")),
                new("POST /api/v1/games/{id}/moves (occupied)", async (g, c) => Problem(await g.PostAsync($"api/v1/games/{game}/moves", new { player = game + "-w", moveNumber = 2, move = "E5" }, c), null, HttpStatusCode.UnprocessableEntity)),
                new("GET /api/v1/games/{id}", (g, c) => Has(g, $"api/v1/games/{game}", "moves", c)),
                new("GET /api/v1/games/{id}/sgf", (g, c) => Status(g, $"api/v1/games/{game}/sgf", HttpStatusCode.OK, c)),
                new("GET /api/v1/players/{id}", (g, c) => Has(g, $"api/v1/players/{game}-b", "rating", c)),
                new("GET /api/v1/accounts/treasury", (g, c) => Has(g, "api/v1/accounts/treasury", "balance", c)),
                new("GET /api/v1/ledger/verify", async (g, c) =>
                {
                    var answer = await g.GetAsync("api/v1/ledger/verify", c);
                    return !answer.IsSuccess ? $"{(int)answer.Status} {answer.Code}" : (bool?)answer.Body!["chainValid"] == true && (long?)answer.Body["sumOfBalances"] == 0 ? null : answer.Body.ToJsonString();
                }),
                new("GET /api/v1/models", (g, c) => Array(g, "api/v1/models", c)),
                new("GET /api/v1/models/current", (g, c) => Has(g, "api/v1/models/current", "modelHash", c)),
                new("GET /api/v1/models/{hash}/onnx", async (g, c) =>
                {
                    var current = await g.GetAsync("api/v1/models/current", c);
                    return current.IsSuccess ? await Status(g, $"api/v1/models/{current.Body!["modelHash"]}/onnx", HttpStatusCode.OK, c) : $"{(int)current.Status}";
                }),
                new("GET /api/v1/models/{unknown}", async (g, c) => Problem(await g.GetAsync("api/v1/models/00000000000000000000", c), "unknown_model")),
                new("GET /api/v1/fl/rounds", (g, c) => Array(g, "api/v1/fl/rounds", c)),
                new("POST /api/v1/fl/rounds (bad strategy)", async (g, c) => Problem(await g.PostAsync("api/v1/fl/rounds", new { minParticipants = 1, deadlineSeconds = 10, strategy = "magic" }, c), "invalid_round")),
                new("GET /api/v1/fl/rounds/{unknown}", async (g, c) => Problem(await g.GetAsync("api/v1/fl/rounds/round-none", c), "unknown_round")),
                new("GET /api/v1/events?after=0", (g, c) => Has(g, "api/v1/events?after=0", "events", c)),
                new("GET /api/v1/events?after=-1", async (g, c) => Problem(await g.GetAsync("api/v1/events?after=-1", c), "invalid_after")),
                new("GET /api/v1/stamps/{unknown}", async (g, c) => Problem(await g.GetAsync("api/v1/stamps/none", c), "unknown_stamp")),
                new("GET /api/v1/subsidy-pool", (g, c) => Status(g, "api/v1/subsidy-pool", HttpStatusCode.OK, c)),
                new("GET /metrics", (g, c) => Status(g, "metrics", HttpStatusCode.OK, c)),
            ];
            var failed = 0;
            foreach (var check in checks)
            {
                string? problem;
                try
                {
                    problem = await check.Run(gateway, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or System.Text.Json.JsonException or InvalidOperationException)
                {
                    problem = e.Message;
                }
                failed += problem is null ? 0 : 1;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(problem is null ? "ok  " : "FAIL")} {check.Name}{(problem is null ? "" : ": " + problem)}"));
            }
            Console.WriteLine($"api test: {checks.Length - failed} of {checks.Length} checks passed");
            return failed == 0 ? 0 : 1;
        });
        api.Subcommands.Add(test);
        return api;
    }

    /// <summary>For routes whose body is not JSON (health, SGF, ONNX, Prometheus text): the status alone.</summary>
    private static readonly HttpClient Raw = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static string? s_gateway;

    private static async Task<string?> Status(GatewayClient gateway, string path, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        _ = gateway;
        using var response = await Raw.GetAsync(new Uri(new Uri(s_gateway!), path), cancellationToken).ConfigureAwait(false);
        return response.StatusCode == expected ? null : $"{(int)response.StatusCode}, expected {(int)expected}";
    }

    private static async Task<string?> Has(GatewayClient gateway, string path, string member, CancellationToken cancellationToken) =>
        Answer(await gateway.GetAsync(path, cancellationToken).ConfigureAwait(false), member);

    private static async Task<string?> Array(GatewayClient gateway, string path, CancellationToken cancellationToken)
    {
        var answer = await gateway.GetAsync(path, cancellationToken).ConfigureAwait(false);
        return answer.IsSuccess && answer.Body is System.Text.Json.Nodes.JsonArray ? null : $"{(int)answer.Status} {answer.Code}: not a JSON array";
    }

    private static string? Answer(GatewayAnswer answer, string member) =>
        answer.IsSuccess && answer.Body is System.Text.Json.Nodes.JsonObject o && o.ContainsKey(member) ? null : $"{(int)answer.Status} {answer.Code}: no '{member}' in the answer";

    private static string? Problem(GatewayAnswer answer, string? code, HttpStatusCode? status = null) =>
        (int)answer.Status is >= 400 and < 500 && (code is null || answer.Code == code) && (status is null || answer.Status == status) && answer.Code is not null
            ? null
            : $"{(int)answer.Status} {answer.Code}, expected a 4xx problem{(code is null ? "" : " " + code)}";
}
