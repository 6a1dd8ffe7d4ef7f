using Npgsql;
using OrleansGoRelay.Go.Ratings;
using OrleansGoRelay.Grains.Storage;

namespace OrleansGoRelay.Grains.Players;

/// <summary>
/// An index of every rated player's rating for opponent search. The PlayerRating grains hold the truth and update
/// the index after each rated game; a crash in between leaves one rating stale until that player's next game.
/// </summary>
public interface IPlayerDirectory
{
    /// <summary>Records a player's current rating.</summary>
    Task UpsertAsync(PlayerRatingView player, DateTimeOffset now);

    /// <summary>Players within <paramref name="range"/> of <paramref name="rating"/>, closest first (ties by id), without <paramref name="exclude"/>.</summary>
    Task<IReadOnlyList<PlayerRatingView>> NearAsync(double rating, double range, int limit, string exclude);
}

/// <summary>The index in memory.</summary>
public sealed class InMemoryPlayerDirectory : IPlayerDirectory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PlayerRatingView> _players = [];

    public Task UpsertAsync(PlayerRatingView player, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(player);
        lock (_lock)
        {
            _players[player.PlayerId] = player;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PlayerRatingView>> NearAsync(double rating, double range, int limit, string exclude)
    {
        lock (_lock)
        {
            var search = new OpponentSearch(_players.Values.Where(p => p.PlayerId != exclude).Select(p => new RatedPlayer(p.PlayerId, p.Rating)));
            return Task.FromResult<IReadOnlyList<PlayerRatingView>>([.. search.Find(rating, range, limit).Select(p => _players[p.PlayerId])]);
        }
    }
}

/// <summary>The index in PostgreSQL (<c>players.ratings</c>, migration 0003), searched through its rating index.</summary>
public sealed class PostgresPlayerDirectory(NpgsqlDataSource dataSource) : IPlayerDirectory
{
    public async Task UpsertAsync(PlayerRatingView player, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(player);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO players.ratings (player_id, rating, deviation, volatility, games, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (player_id) DO UPDATE SET rating = $2, deviation = $3, volatility = $4, games = $5, updated_at = $6
            WHERE players.ratings.games <= $5
            """).WithValues(player.PlayerId, player.Rating, player.Deviation, player.Volatility, player.Games, now);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PlayerRatingView>> NearAsync(double rating, double range, int limit, string exclude)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT player_id, rating, deviation, volatility, games FROM players.ratings
            WHERE rating BETWEEN $1 - $2 AND $1 + $2 AND player_id <> $3
            ORDER BY abs(rating - $1), player_id LIMIT $4
            """).WithValues(rating, range, exclude, limit);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var players = new List<PlayerRatingView>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var value = reader.GetDouble(1);
            players.Add(new PlayerRatingView(reader.GetString(0), value, reader.GetDouble(2), reader.GetDouble(3),
                Rank.FromValue(RatingScale.RankOf(value)).ToString(), reader.GetInt32(4)));
        }
        return players;
    }
}
