using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Grains.Players;

namespace OrleansGoRelay.Gateway.Players;

/// <summary>The player routes: Glicko-2 ratings and opponents by rating.</summary>
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
        return routes;
    }
}
