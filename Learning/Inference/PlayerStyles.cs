using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>One of a player's games for a style profile: the record and, where known, the seconds each move took.</summary>
/// <param name="Record">The game.</param>
/// <param name="MoveSeconds">Per move (index = move number − 1), the seconds its mover took; null without times.</param>
public sealed record PlayerGame(GameRecord Record, IReadOnlyList<double?>? MoveSeconds = null);

/// <summary>
/// A player's style (<see cref="PlayerStyle"/>) with the model's policy as the yardstick of move quality: every game
/// of the model's board size is read by the model (<see cref="GameReviewer.Choices"/>); other sizes count for every
/// measure but consistency.
/// </summary>
public static class PlayerStyles
{
    /// <summary>The profile of <paramref name="player"/> (named as the records' PB/PW name them) over the games they played; games they did not play are left out.</summary>
    /// <param name="player">The player.</param>
    /// <param name="games">Their games.</param>
    /// <param name="model">The model for consistency, or null to leave it out.</param>
    /// <param name="progress">Called with (games read, games) after each game.</param>
    public static PlayerStyle Profile(string player, IReadOnlyCollection<PlayerGame> games, OnnxMovePredictor? model, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(games);
        var styleGames = new List<StyleGame>(games.Count);
        foreach (var game in games)
        {
            IReadOnlyList<double>? quality = model is not null && game.Record.Size == model.BoardSize
                ? [.. GameReviewer.Choices(model, game.Record).Select(c => c.Quality)]
                : null;
            if (StyleGame.For(game.Record, player, game.MoveSeconds, quality) is { } styleGame)
            {
                styleGames.Add(styleGame);
            }
            progress?.Invoke(styleGames.Count, games.Count);
        }
        return PlayerStyle.Of(player, styleGames);
    }
}
