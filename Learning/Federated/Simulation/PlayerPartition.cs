using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Learning.Data;

namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>One simulated client's data: the games of the players it holds, as training positions.</summary>
/// <param name="ClientId">The client's id (<c>client-007</c>).</param>
/// <param name="Players">The players whose games it holds.</param>
/// <param name="Games">Games it holds.</param>
/// <param name="Positions">Their training positions (every <see cref="PlayerPartition"/> stride-th).</param>
public sealed record ClientData(string ClientId, IReadOnlyList<string> Players, int Games, IReadOnlyList<TrainingPosition> Positions);

/// <summary>
/// Deals games to clients by player, as relays hold them: each game belongs to the more prolific of its two players in
/// the collection (a relay's regulars), each player's games stay together, and players go to clients largest first, each
/// to the client holding the fewest games so far. Clients are then about equally large but not identically distributed:
/// one holds a professional's thousand games, another a hundred amateurs'.
/// </summary>
public static class PlayerPartition
{
    /// <summary>Splits <paramref name="games"/> among <paramref name="clients"/> clients.</summary>
    /// <param name="games">Training games (the held-out part of the split must not be among them).</param>
    /// <param name="clients">Clients to deal to.</param>
    /// <param name="positionStride">Keep every n-th position of a game (1: all), to bound memory and correlation.</param>
    /// <param name="maxGamesPerShare">
    /// With a value, a player's games are cut into shares of at most this many (in order) and each share is dealt on its
    /// own: a population larger than the players (a player's games spread over several relays), each client still
    /// holding one player's games.
    /// </param>
    public static IReadOnlyList<ClientData> Deal(IReadOnlyList<GameRecord> games, int clients, int positionStride = 1, int? maxGamesPerShare = null)
    {
        ArgumentNullException.ThrowIfNull(games);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(positionStride, 1);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var game in games)
        {
            foreach (var name in new[] { NameOf(game.Black), NameOf(game.White) })
            {
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }
        var byOwner = new Dictionary<string, List<GameRecord>>(StringComparer.Ordinal);
        foreach (var game in games)
        {
            var black = NameOf(game.Black);
            var white = NameOf(game.White);
            var owner = counts[black] > counts[white] || (counts[black] == counts[white] && string.CompareOrdinal(black, white) <= 0) ? black : white;
            if (!byOwner.TryGetValue(owner, out var list))
            {
                byOwner[owner] = list = [];
            }
            list.Add(game);
        }
        var shares = byOwner.SelectMany(p => maxGamesPerShare is { } cap
                ? p.Value.Chunk(Math.Max(1, cap)).Select(chunk => (Owner: p.Key, Games: chunk.ToList()))
                : [(Owner: p.Key, Games: p.Value)])
            .ToList();
        if (shares.Count < clients)
        {
            throw new ArgumentException($"The games have {shares.Count:N0} players' shares to deal; {clients:N0} clients need at least as many (cut players' games into smaller shares, or read more games).", nameof(clients));
        }
        var players = new List<string>[clients];
        var held = new List<GameRecord>[clients];
        for (var c = 0; c < clients; c++)
        {
            players[c] = [];
            held[c] = [];
        }
        // Largest share first, each to the client holding the fewest games (ties to the lower index).
        var smallest = new PriorityQueue<int, (int Games, int Client)>();
        for (var c = 0; c < clients; c++)
        {
            smallest.Enqueue(c, (0, c));
        }
        foreach (var (owner, list) in shares.OrderByDescending(p => p.Games.Count).ThenBy(p => p.Owner, StringComparer.Ordinal))
        {
            var target = smallest.Dequeue();
            if (!players[target].Contains(owner))
            {
                players[target].Add(owner);
            }
            held[target].AddRange(list);
            smallest.Enqueue(target, (held[target].Count, target));
        }
        return [.. Enumerable.Range(0, clients).Select(c => new ClientData(
            ClientName(c),
            players[c],
            held[c].Count,
            held[c].SelectMany(g => GamePositions.Of(g).Where(p => (p.MoveNumber - 1) % positionStride == 0)).ToList()))];
    }

    /// <summary>The id of client <paramref name="index"/>.</summary>
    public static string ClientName(int index) => $"client-{index:D4}";

    private static string NameOf(string? name) => string.IsNullOrWhiteSpace(name) ? "(unnamed)" : name.Trim();
}
