using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Contracts.Wire;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Relays;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Pictures;

namespace OrleansGoRelay.Gateway.Games;

/// <summary>The game routes: create, moves, results, the record, SGF, its review by the model, and a WebSocket of game events.</summary>
public static class GamesApi
{
    /// <summary>A game to create; a client-chosen <c>gameId</c> makes the request safe to retry.</summary>
    public sealed record GameBody(string? GameId, string? Black, string? White, int? Size, double? Komi, int? Handicap, string? Rules, bool? Rated, string? GameType);

    /// <summary>A player's result claim.</summary>
    public sealed record ResultBody(string? Player, string? Result);

    /// <summary>A relay telling the cluster that a player's session is now on it.</summary>
    public sealed record SessionBody(string? Player);

    /// <summary>Maps <c>/api/v1/games</c>.</summary>
    public static IEndpointRouteBuilder MapGamesApi(this IEndpointRouteBuilder routes)
    {
        var games = routes.MapGroup("/api/v1/games").WithTags("Games");
        games.MapPost("/", Create).WithSummary("Creates a game (201); a repeat with the same gameId and settings answers 200.");
        games.MapPost("/{gameId}/moves", Play)
            .WithSummary("Plays a move (GTP vertex, pass or resign): 409 if moveNumber is not the next, 422 if illegal; a repeat of the last move answers as before.");
        games.MapPost("/{gameId}/result", (string gameId, ResultBody body, IGrainFactory grains) =>
                grains.GetGrain<IGameGrain>(gameId).SubmitResult(new ResultClaim(body.Player ?? "", body.Result ?? "")))
            .WithSummary("A player's result; consensus once both players submit the same.");
        games.MapPost("/{gameId}/sessions", AssignSession).Accepts<SessionBody>("application/json")
            .WithSummary("(relay-signed) Records that a player's session is now on the signing relay.");
        games.MapGet("/{gameId}", async (string gameId, IGrainFactory grains) =>
                await grains.GetGrain<IGameGrain>(gameId).GetGame() is { } game ? Results.Ok(game) : UnknownGame(gameId))
            .WithSummary("State, moves, players, relay assignments, result and consensus.");
        games.MapGet("/{gameId}/sgf", async (string gameId, IGrainFactory grains) =>
                TypedResults.Text(await grains.GetGrain<IGameGrain>(gameId).ExportSgf(), "application/x-go-sgf", Encoding.UTF8))
            .WithSummary("The game as SGF.");
        games.MapGet("/{gameId}/review", Review)
            .Produces<GameReview>(StatusCodes.Status200OK)
            .Produces<GameReviewUpdate>(StatusCodes.Status200OK, "application/x-ndjson")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The game reviewed by the promoted model and the analyser: critical moves (value swings), the largest mistakes with the model's move at each, turning point, agreement per colour, the value series. With stream=true: NDJSON, progress lines then the review.");
        games.MapGet("/{gameId}/heatmap.png", Heatmap)
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .WithSummary("The game's board map as a PNG: kind=moves (each point coloured by the move that first took it) or influence (the influence estimate's ownership, Black +1 blue, White -1 orange); move=N for the position after move N.");
        games.MapGet("/{gameId}/events", Events).WithSummary("WebSocket: the game's events (moves, end, result, relay reassignments) as JSON text messages.");
        return routes;
    }

    private static ProblemHttpResult UnknownGame(string gameId) => Problems.Create(StatusCodes.Status404NotFound, "unknown_game", $"There is no game '{gameId}'.");

    private static async Task<IResult> Create(GameBody body, IGrainFactory grains)
    {
        if (!RelaysApi.TryGameType(body.GameType, out var type))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_game_type", "gameType is teaching, dogfight or standard.");
        }
        var gameId = body.GameId ?? Guid.NewGuid().ToString("N");
        if (gameId.Length is 0 or > 64 || !gameId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_game_id", "gameId is 1 to 64 letters, digits, '-', '_' or '.'.");
        }
        var grain = grains.GetGrain<IGameGrain>(gameId);
        var existed = await grain.GetGame() is not null;
        var game = await grain.Create(new GameSpec(body.Black ?? "", body.White ?? "", body.Size ?? 19, body.Komi, body.Handicap ?? 0,
            body.Rules ?? "chinese", body.Rated ?? true, type));
        return existed ? TypedResults.Ok(game) : TypedResults.Created($"/api/v1/games/{gameId}", game);
    }

    private static Task<MoveAccepted> Play(string gameId, MoveSubmission body, IGrainFactory grains) =>
        grains.GetGrain<IGameGrain>(gameId).Play(body with { Player = body.Player ?? "", Move = body.Move ?? "" });

    private static async Task<IResult> AssignSession(string gameId, HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (request, problem) = await authentication.VerifyAsync<SessionBody>(context);
        return request is null ? problem! : TypedResults.Ok(await grains.GetGrain<IRelayNodeGrain>(request.RelayId).OpenSession(gameId, request.Body.Player ?? ""));
    }

    private static async Task Review(string gameId, string? modelVersion, bool? stream, HttpContext context, IGrainFactory grains)
    {
        var game = grains.GetGrain<IGameGrain>(gameId);
        if (await game.GetGame() is null)
        {
            await UnknownGame(gameId).ExecuteAsync(context);
            return;
        }
        var request = new GameReviewRequest(await game.ExportSgf(), modelVersion);
        var inference = grains.GetGrain<IInferenceGrain>(0);
        if (stream != true)
        {
            await TypedResults.Ok(await inference.Review(request)).ExecuteAsync(context);
            return;
        }
        // The first update is read before the response starts, so a refusal (wrong board size, unknown version) is still
        // an ordinary problem document with its status; from then on each update is one JSON line, flushed as it comes.
        await using var updates = inference.ReviewWithProgress(request).GetAsyncEnumerator(context.RequestAborted);
        var more = await updates.MoveNextAsync();
        context.Response.ContentType = "application/x-ndjson";
        while (more)
        {
            await context.Response.WriteAsync(JsonSerializer.Serialize(updates.Current, ApiJson.Options) + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            more = await updates.MoveNextAsync();
        }
    }

    private static async Task<IResult> Heatmap(string gameId, string? kind, int? move, IGrainFactory grains)
    {
        var mapKind = kind switch
        {
            null or "moves" => BoardMapKind.Moves,
            "influence" => BoardMapKind.Influence,
            _ => (BoardMapKind?)null,
        };
        if (mapKind is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_query", "kind is moves or influence.");
        }
        if (move is < 0)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_query", "move is 0 or more (the position after that move).");
        }
        var game = grains.GetGrain<IGameGrain>(gameId);
        if (await game.GetGame() is null)
        {
            return UnknownGame(gameId);
        }
        var record = GameImporter.Import(SgfParser.Parse(await game.ExportSgf())[0]);
        return TypedResults.File(BoardPictures.Png(record, BoardMaps.Of(record, mapKind.Value, move)), "image/png");
    }

    private static async Task Events(string gameId, HttpContext context, GameEventHub events, IGrainFactory grains)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problems.Create(StatusCodes.Status400BadRequest, "websocket_required", "Connect with a WebSocket.").ExecuteAsync(context);
            return;
        }
        if (await grains.GetGrain<IGameGrain>(gameId).GetGame() is null)
        {
            await UnknownGame(gameId).ExecuteAsync(context);
            return;
        }
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        // Events down; the client sends nothing that matters, so what it sends is read (to notice its close) and dropped.
        await using var connection = new WebSocketConnection<JsonElement, GameEvent>(socket, new WebSocketLimits(MaxMessageBytes: 4096, SendQueue: 256))
        {
            OnMalformed = _ => null,
        };
        using var subscription = events.Watch(gameId, e => connection.Send(e));
        try
        {
            await foreach (var _ in connection.ReceiveAsync(context.RequestAborted))
            {
                // Nothing upstream.
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away.
        }
    }
}
