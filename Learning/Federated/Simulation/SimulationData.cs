using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Training;

namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>A simulated federation's data: the clients' positions and the server's held-out positions.</summary>
/// <param name="Clients">Each client's positions (training part of the split only).</param>
/// <param name="Validation">Held-out positions (games of the split's validation part: no client holds them).</param>
public sealed record SimulationData(IReadOnlyList<ClientData> Clients, IReadOnlyList<TrainingPosition> Validation)
{
    /// <summary>
    /// Reads the first <paramref name="maxGames"/> training games of <paramref name="files"/> (on a
    /// <paramref name="size"/> board), deals them to <paramref name="clients"/> clients by player
    /// (<see cref="PlayerPartition"/>), and samples <paramref name="validationPositions"/> held-out positions.
    /// </summary>
    public static SimulationData Load(IReadOnlyList<string> files, int size, int maxGames, int clients, int positionStride, int validationPositions, int? maxGamesPerShare = null, GameSplit? split = null)
    {
        split ??= new GameSplit();
        var games = GameCollections.Read(files, size, split, DataPart.Training).Take(maxGames).ToList();
        if (games.Count == 0)
        {
            throw new ArgumentException($"No {size}×{size} training games in {string.Join(", ", files)}.", nameof(files));
        }
        var dealt = PlayerPartition.Deal(games, clients, positionStride, maxGamesPerShare);
        var held = PositionSample.Load(files, size, split, validationPositions).Positions;
        return new SimulationData(dealt, held);
    }
}
