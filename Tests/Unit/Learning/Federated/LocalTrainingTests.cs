using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Simulation;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Tests.Go;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class LocalTrainingTests
{
    private static readonly NetConfig Tiny = new(BoardSize: 19, Blocks: 1, Channels: 8, ValueHidden: 16);

    internal static IReadOnlyList<GameRecord> FoxGames(int count) =>
        [.. GameCollections.Read([GoData.File("fox-pro.sgf.gz")], 19, new GameSplit(), DataPart.Training).Take(count)];

    private static IReadOnlyList<TrainingPosition> Positions(int games) => [.. FoxGames(games).SelectMany(GamePositions.Of)];

    [Fact]
    public void TheLayoutCoversEveryFloatOfTheNetAndWritingThenReadingGivesTheSameVector()
    {
        var layout = ParameterLayout.Of(Tiny);
        using var net = new PolicyValueNet(Tiny);
        var expected = net.state_dict().Values.Where(t => TorchSharp.torch.is_floating_point(t)).Sum(t => t.numel());
        Assert.Equal(expected, layout.Length);
        Assert.Contains(layout.Tensors, t => t.Name.EndsWith("running_var", StringComparison.Ordinal));
        var vector = Enumerable.Range(0, layout.Length).Select(i => (float)Math.Sin(i)).ToArray();
        layout.Write(net, vector);
        Assert.Equal(vector, layout.Read(net));
        Assert.Equal(layout.Tensors[1].Name, layout.TensorAt(layout.Tensors[1].Offset).Name);
    }

    [Fact]
    public void AClientsUpdateIsTheChangeItsTrainingMadeAndRepeatsToTheBitFromTheSameSeed()
    {
        var layout = ParameterLayout.Of(Tiny);
        var start = layout.Initial(7);
        var positions = Positions(3);
        var options = new LocalTrainingOptions(Steps: 4, BatchSize: 16, LearningRate: 0.05, Seed: 3);
        var first = LocalTrainer.Train("a", layout, start, positions, options);
        var again = LocalTrainer.Train("a", layout, start, positions, options);
        Assert.Equal(first.Update.Delta, again.Update.Delta);
        Assert.True(VectorMath.L2Norm(first.Update.Delta) > 0);
        Assert.Equal(positions.Count, first.Update.Examples);
        Assert.Equal(4 * 16, first.Metrics.PositionsSeen);
        Assert.True(first.Metrics.Loss is > 0 and < 20);

        // The update applied to the start is the trained model: training it from there gives the same loss path.
        var other = LocalTrainer.Train("a", layout, start, positions, options with { Seed = 4 });
        Assert.NotEqual(first.Update.Delta, other.Update.Delta);
    }

    [Fact]
    public void FedProxsProximalTermKeepsTheUpdateCloserToTheStart()
    {
        var layout = ParameterLayout.Of(Tiny);
        var start = layout.Initial(7);
        var positions = Positions(3);
        var plain = LocalTrainer.Train("a", layout, start, positions, new LocalTrainingOptions(Steps: 12, BatchSize: 16, LearningRate: 0.1, Seed: 3));
        var proximal = LocalTrainer.Train("a", layout, start, positions, new LocalTrainingOptions(Steps: 12, BatchSize: 16, LearningRate: 0.1, ProximalMu: 5, Seed: 3));
        // The proximal term pulls the trained weights back; the batch norms' running statistics follow the data either way.
        double WeightNorm(float[] delta) => Math.Sqrt(layout.Tensors.Where(t => !t.IsStatistic).Sum(t => VectorMath.SquaredNorm(delta.AsSpan(t.Offset, t.Length))));
        Assert.True(WeightNorm(proximal.Update.Delta) < 0.8 * WeightNorm(plain.Update.Delta), $"proximal {WeightNorm(proximal.Update.Delta)}, plain {WeightNorm(plain.Update.Delta)}");
    }

    [Fact]
    public void PlayersGamesStayOnOneClientAndEveryGameIsDealtOnce()
    {
        var games = FoxGames(400);
        var clients = PlayerPartition.Deal(games, 8);
        Assert.Equal(8, clients.Count);
        Assert.Equal(games.Count, clients.Sum(c => c.Games));
        var owners = clients.SelectMany(c => c.Players.Select(p => (p, c.ClientId))).ToList();
        Assert.Equal(owners.Count, owners.Select(o => o.p).Distinct().Count()); // no player on two clients
        Assert.Equal(games.Sum(g => GamePositions.Of(g).Count()), clients.Sum(c => c.Positions.Count));
        // Not identically distributed: handicap games crowd on some clients (those holding the teaching accounts).
        var handicap = games.GroupBy(GameSplit.Hash).ToDictionary(g => g.Key, g => g.First().Handicap >= 2);
        var shares = clients.Select(c => c.Positions.Select(p => p.GameHash).Distinct().Count(h => handicap[h]) / (double)c.Positions.Select(p => p.GameHash).Distinct().Count()).ToList();
        var overall = handicap.Values.Count(h => h) / (double)handicap.Count;
        Assert.True(shares.Max() > 2 * overall && shares.Min() < overall, $"overall {overall:P0}: " + string.Join(", ", shares.Select(s => s.ToString("P0", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Throws<ArgumentException>(() => PlayerPartition.Deal(games.Take(3).ToList(), 50));
    }

    [Fact]
    public void AttacksFlipScaleOrReplaceTheHonestUpdate()
    {
        var honest = new[] { 1f, -2f, 0.5f, 0f };
        Assert.Equal(new[] { -4f, 8f, -2f, -0f }, new Attack(AttackKind.SignFlip, 4).Apply(honest, 1));
        Assert.Equal(new[] { 10f, -20f, 5f, 0f }, new Attack(AttackKind.Scale, 10).Apply(honest, 1));
        var noise = new Attack(AttackKind.Noise, 10).Apply(new float[10_000].Select((_, i) => i % 2 == 0 ? 1f : -1f).ToArray(), 1);
        var rms = VectorMath.L2Norm(noise) / Math.Sqrt(noise.Length);
        Assert.InRange(rms, 9.5, 10.5); // the honest RMS is 1
        Assert.Equal(honest, new Attack(AttackKind.None, 1).Apply(honest, 1));
    }
}
