using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Contracts.Wire;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Relays;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Grains.Relays;

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
            .WithSummary("The game reviewed by the promoted model and the analyser: turning point, the largest mistakes with the model's move at each, agreement per colour, the value series.");
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

    private static async Task<Results<Ok<GameReview>, ProblemHttpResult>> Review(string gameId, string? modelVersion, IGrainFactory grains)
    {
        if (await grains.GetGrain<IGameGrain>(gameId).GetGame() is null)
        {
            return UnknownGame(gameId);
        }
        var sgf = await grains.GetGrain<IGameGrain>(gameId).ExportSgf();
        return TypedResults.Ok(await grains.GetGrain<IInferenceGrain>(0).Review(new GameReviewRequest(sgf, modelVersion)));
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
