
namespace OrleansGoRelay.Grains.Players;

/// <summary>One player's Glicko-2 rating, updated after every rated game (each game a rating period of one).</summary>
[Alias("gorelay.IPlayerRatingGrain")]
public interface IPlayerRatingGrain : IGrainWithStringKey
{
    /// <summary>The rating (a new player's when the player has not played).</summary>
    Task<PlayerRatingView> GetRating();

    /// <summary>Applies a rated game once; a repeat for the same game id changes nothing and returns the current rating.</summary>
    [RetryOnConflict]
    Task<PlayerRatingView> Apply(RatedGame game);
}

/// <summary>Finds players by rating across the cluster. Any key works; by convention <see cref="Key"/>.</summary>
[Alias("gorelay.IPlayerDirectoryGrain")]
public interface IPlayerDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The conventional key.</summary>
    const string Key = "players";

    /// <summary>Players whose rating lies within <paramref name="range"/> of the player's, closest first (the player excluded).</summary>
    Task<IReadOnlyList<PlayerRatingView>> FindOpponents(string playerId, double range, int limit);
}

/// <summary>
/// The games a player played through the cluster, in the order they were created (keyed by player id). The game
/// grain adds a game for both players when it is created, and again on an identical repeat of the creation, so a
/// creation retried after a crash between the two writes still indexes it.
/// </summary>
[Alias("gorelay.IPlayerGamesGrain")]
public interface IPlayerGamesGrain : IGrainWithStringKey
{
    /// <summary>Adds a game once; a repeat changes nothing.</summary>
    [RetryOnConflict]
    Task Add(string gameId);

    /// <summary>The games, oldest first.</summary>
    Task<IReadOnlyList<string>> GetGames();
}
