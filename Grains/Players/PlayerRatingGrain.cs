using OrleansGoRelay.Go.Ratings;

namespace OrleansGoRelay.Grains.Players;

/// <summary>A player's rating state.</summary>
[Alias("player-rating.v1")]
public sealed record PlayerRatingState
{
    /// <summary>Rating, deviation and volatility.</summary>
    public Glicko2Rating Rating { get; init; } = Glicko2Rating.Initial;

    /// <summary>Rated games played.</summary>
    public int Games { get; init; }

    /// <summary>The most recent games applied (newest last), so a repeated update is recognised.</summary>
    public IReadOnlyList<string> RecentGames { get; init; } = [];
}

/// <summary>
/// A player's Glicko-2 rating. Every rated game is a rating period of one game (τ = 0.5), which is how online
/// servers rate live play; the game grain fixes both players' pre-game ratings so a retried update is identical.
/// </summary>
[GrainType("player-rating")]
public sealed class PlayerRatingGrain([PersistentState("rating")] IPersistentState<PlayerRatingState> state, IPlayerDirectory directory, TimeProvider clock)
    : Grain, IPlayerRatingGrain, IReloadableGrain
{
    public Task ReloadStateAsync() => state.ReadStateAsync();

    /// <summary>How many applied games are remembered for idempotency (a game applies within moments of the previous one).</summary>
    private const int RememberedGames = 64;

    private static readonly Glicko2Calculator Calculator = new();

    public Task<PlayerRatingView> GetRating() => Task.FromResult(View());

    public async Task<PlayerRatingView> Apply(RatedGame game)
    {
        ArgumentNullException.ThrowIfNull(game);
        if (state.State.RecentGames.Contains(game.GameId))
        {
            return View();
        }
        if (game.Score is not (0 or 0.5 or 1) || !double.IsFinite(game.Opponent) || game.OpponentDeviation <= 0)
        {
            throw RequestRefusedException.BadRequest("invalid_rated_game", "A rated game has a score of 0, 0.5 or 1 and a finite opponent rating.");
        }
        var opponent = new Glicko2Rating(game.Opponent, game.OpponentDeviation, game.OpponentVolatility);
        state.State = state.State with
        {
            Rating = Calculator.Update(state.State.Rating, [new Glicko2Game(opponent, game.Score)]),
            Games = state.State.Games + 1,
            RecentGames = [.. state.State.RecentGames.TakeLast(RememberedGames - 1), game.GameId],
        };
        await state.WriteStateAsync();
        var view = View();
        await directory.UpsertAsync(view, clock.GetUtcNow());
        return view;
    }

    private PlayerRatingView View()
    {
        var rating = state.State.Rating;
        return new PlayerRatingView(this.GetPrimaryKeyString(), rating.Value, rating.Deviation, rating.Volatility,
            Rank.FromValue(RatingScale.RankOf(rating.Value)).ToString(), state.State.Games);
    }
}

/// <summary>Finds opponents through the rating index.</summary>
[GrainType("player-directory")]
[StatelessWorker]
public sealed class PlayerDirectoryGrain(IPlayerDirectory directory) : Grain, IPlayerDirectoryGrain
{
    public async Task<IReadOnlyList<PlayerRatingView>> FindOpponents(string playerId, double range, int limit)
    {
        if (!double.IsFinite(range) || range <= 0 || range > 5000 || limit is < 1 or > 500)
        {
            throw RequestRefusedException.BadRequest("invalid_query", "range must be in (0, 5000] and limit in 1..500.");
        }
        var player = await GrainFactory.GetGrain<IPlayerRatingGrain>(playerId).GetRating();
        return await directory.NearAsync(player.Rating, range, limit, playerId);
    }
}
