using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Grains.Players;

namespace OrleansGoRelay.Gateway.Players;

/// <summary>The player routes: Glicko-2 ratings, opponents by rating, and the style profile over the games played here.</summary>
public static class PlayersApi
{
    /// <summary>Maps <c>/api/v1/players</c>.</summary>
    public static IEndpointRouteBuilder MapPlayersApi(this IEndpointRouteBuilder routes)
    {
        var players = routes.MapGroup("/api/v1/players").WithTags("Players");
        players.MapGet("/{playerId}", (string playerId, IGrainFactory grains) => grains.GetGrain<IPlayerRatingGrain>(playerId).GetRating())
            .WithSummary("The player's rating, deviation, volatility, rank and rated games (a new player's rating before the first game).");
        players.MapGet("/{playerId}/opponents", (string playerId, IGrainFactory grains, double? range, int? limit) =>
                grains.GetGrain<IPlayerDirectoryGrain>(IPlayerDirectoryGrain.Key).FindOpponents(playerId, range ?? 200, limit ?? 20))
            .WithSummary("Rated players within range of the player's rating, closest first.");
        players.MapGet("/{playerId}/style", Style)
            .Produces<PlayerStyleAnswer>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The player's style over their newest games played through the cluster (games=50, at most 200): territorial, fighting, speed (seconds between accepted moves), consistency of move quality against the promoted model's policy; definitions included. 404 unknown_player without games.");
        return routes;
    }

    /// <summary>The most games one profile reads (each is a few hundred positions through the model).</summary>
    public const int MaxStyleGames = 200;

    private static async Task<IResult> Style(string playerId, int? games, string? modelVersion, IGrainFactory grains)
    {
        if (games is < 1 or > MaxStyleGames)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_query", $"games is 1 to {MaxStyleGames}.");
        }
        var played = await grains.GetGrain<IPlayerGamesGrain>(playerId).GetGames();
        if (played.Count == 0)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "unknown_player", $"Player '{playerId}' has played no game through the cluster.");
        }
        var newest = played.TakeLast(games ?? 50).ToList();
        var inputs = await Task.WhenAll(newest.Select(async gameId =>
        {
            var game = grains.GetGrain<IGameGrain>(gameId);
            var view = await game.GetGame();
            return new StyleGameInput(await game.ExportSgf(), view is null ? null : MoveSeconds(view));
        }));
        var answer = await grains.GetGrain<IInferenceGrain>(0).Style(new PlayerStyleRequest(playerId, inputs, modelVersion));
        return TypedResults.Ok(answer with { GamesPlayed = played.Count });
    }

    // The seconds each move took: from the game's creation (move 1) or the previous accepted move; a resignation is not a move of the record.
    private static List<double?> MoveSeconds(GameView view)
    {
        var seconds = new List<double?>(view.Moves.Count);
        var before = view.CreatedAt;
        foreach (var move in view.Moves.Where(m => !string.Equals(m.Move, "resign", StringComparison.OrdinalIgnoreCase)))
        {
            seconds.Add(Math.Round((move.At - before).TotalSeconds, 3));
            before = move.At;
        }
        return seconds;
    }
}
