namespace OrleansGoRelay.Grains.Players;

/// <summary>A player's Glicko-2 rating.</summary>
/// <param name="PlayerId">The player.</param>
/// <param name="Rating">Rating on the Glicko scale (1500 start).</param>
/// <param name="Deviation">Rating deviation.</param>
/// <param name="Volatility">Volatility σ.</param>
/// <param name="Rank">The rating as a rank (<c>3k</c>, <c>2d</c>, <c>1p</c>) on the OGS scale.</param>
/// <param name="Games">Rated games played.</param>
[GenerateSerializer, Immutable, Alias("gorelay.PlayerRatingView")]
public sealed record PlayerRatingView(string PlayerId, double Rating, double Deviation, double Volatility, string Rank, int Games);

/// <summary>One rated game from a player's side.</summary>
/// <param name="GameId">The game (a rating applies each game once).</param>
/// <param name="Opponent">The opponent's rating before the game.</param>
/// <param name="OpponentDeviation">The opponent's deviation before the game.</param>
/// <param name="OpponentVolatility">The opponent's volatility before the game.</param>
/// <param name="Score">1 win, 0.5 draw, 0 loss.</param>
[GenerateSerializer, Immutable, Alias("gorelay.RatedGame")]
public sealed record RatedGame(string GameId, double Opponent, double OpponentDeviation, double OpponentVolatility, double Score);
