namespace OrleansGoRelay.Grains.Players;

/// <summary>A player's games state.</summary>
[Alias("player-games.v1")]
public sealed record PlayerGamesState
{
    /// <summary>Game ids, oldest first.</summary>
    public IReadOnlyList<string> Games { get; init; } = [];
}

/// <summary>The index of a player's games (the style profile reads them from here).</summary>
[GrainType("player-games")]
public sealed class PlayerGamesGrain([PersistentState("games")] IPersistentState<PlayerGamesState> state) : Grain, IPlayerGamesGrain, IReloadableGrain
{
    public Task ReloadStateAsync() => state.ReadStateAsync();

    public async Task Add(string gameId)
    {
        ArgumentException.ThrowIfNullOrEmpty(gameId);
        if (state.State.Games.Contains(gameId))
        {
            return;
        }
        state.State = state.State with { Games = [.. state.State.Games, gameId] };
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetGames() => Task.FromResult(state.State.Games);
}
