using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Learning.Federated.Simulation;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Training;
using OrleansGoRelay.Tests.Go;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class FederatedSimulationTests
{
    private static readonly Lazy<SimulationData> Data = new(() =>
    {
        var games = LocalTrainingTests.FoxGames(240);
        var validation = PositionSample.Load([GoData.File("fox-pro.sgf.gz")], 19, new GameSplit(), 200).Positions;
        return new SimulationData(PlayerPartition.Deal(games, 6, positionStride: 4), validation);
    });

    private static SimulationOptions Tiny(string strategy = "fedavg", int rounds = 2) => new(
        new NetConfig(BoardSize: 19, Blocks: 1, Channels: 8, ValueHidden: 16), rounds, ClientsPerRound: 6, strategy,
        new LocalTrainingOptions(Steps: 3, BatchSize: 16, LearningRate: 0.1), ValidationPositions: 200, ShapleyPositions: 100, Seed: 5);

    private static SimulationReport Run(SimulationOptions options) =>
        new FederatedSimulation(Data.Value.Clients, Data.Value.Validation, options).Run(CancellationToken.None);

    [Fact]
    public void ASeededSimulationWithEveryStageRepeatsToTheBit()
    {
        var options = Tiny() with
        {
            ClientsPerRound = 4,
            Codec = "int8",
            Dropout = 0.2,
            Malicious = 1,
            Attack = AttackKind.Noise,
            ValidateUpdates = true,
            Shapley = ShapleyMethod.MonteCarlo,
            ShapleyPermutations = 2,
        };
        var first = Run(options);
        var second = Run(options);
        Assert.Equal(first.FinalModelSha256, second.FinalModelSha256);
        Assert.Equal(first.Rounds.Select(r => (r.Top1, r.Loss, r.Answered, r.Rejected, r.BytesUp)), second.Rounds.Select(r => (r.Top1, r.Loss, r.Answered, r.Rejected, r.BytesUp)));
        Assert.Equal(first.Clients.Select(c => c.Shapley), second.Clients.Select(c => c.Shapley));
        Assert.NotEqual(first.FinalModelSha256, Run(options with { Seed = 6 }).FinalModelSha256);

        Assert.Equal(2, first.Rounds.Count);
        Assert.All(first.Rounds, r => Assert.Equal(4, r.Sampled));
        // int8 on the wire: about a quarter of the float32 bytes the model takes down.
        Assert.All(first.Rounds, r => Assert.InRange(r.BytesUp, 1, r.BytesDown * r.Answered / r.Sampled / 3));
        Assert.Equal(FederatedSimulation.SettlementPool, first.Settlement.Sum(l => l.Amount));
    }

    [Fact]
    public void ValidationRejectsSignFlippingAttackersAndFedAvgWithoutItLetsThemIn()
    {
        var attacked = Tiny() with { Malicious = 2, Attack = AttackKind.SignFlip, ValidateUpdates = true };
        var report = Run(attacked);
        Assert.All(report.Rounds, r => Assert.Equal(2, r.RejectedMalicious));
        Assert.All(report.Rounds, r => Assert.Equal(r.RejectedMalicious, r.Rejected)); // no honest client rejected
        var open = Run(attacked with { ValidateUpdates = false });
        Assert.All(open.Rounds, r => Assert.Equal(0, r.Rejected));
        Assert.True(report.Rounds[^1].Loss < open.Rounds[^1].Loss, $"validated {report.Rounds[^1].Loss}, open {open.Rounds[^1].Loss}");
    }

    [Fact]
    public void APrivateRunReportsEpsilonEachRoundAndStopsBeforeItsBudgetIsSpent()
    {
        // z = 0.8 with every client sampled spends ε ≈ 4.3 per round at δ = 1e-5 … the budget of 8 admits one round only.
        var options = Tiny(rounds: 5) with { Privacy = new PrivacyOptions(Epsilon: 8, Delta: 1e-5, ClipNorm: 0.5, NoiseMultiplier: 0.8) };
        var report = Run(options);
        Assert.NotNull(report.StoppedBecause);
        Assert.StartsWith("privacy budget", report.StoppedBecause, StringComparison.Ordinal);
        Assert.InRange(report.Rounds.Count, 1, 4);
        Assert.All(report.Rounds, r => Assert.InRange(r.Epsilon!.Value, 0.01, 8));
        Assert.Equal(report.Rounds.Select(r => r.Epsilon!.Value).Order(), report.Rounds.Select(r => r.Epsilon!.Value));
        Assert.All(report.Rounds, r => Assert.Equal(0.8 * 0.5 / 6, r.NoiseStd!.Value, 9)); // σ = z·S / (q·N), q·N = 6 clients
    }

    [Fact]
    public void TheCentralisedReferenceTrainsOnTheUnionWithTheClientsBudget()
    {
        var report = Run(Tiny("central"));
        Assert.Equal(2, report.Rounds.Count);
        Assert.All(report.Rounds, r => Assert.Equal(0, r.BytesDown));
        Assert.True(report.Rounds[^1].Loss < 5.9, $"loss {report.Rounds[^1].Loss}"); // below the uniform guess, ln 362 = 5.89
    }
}
