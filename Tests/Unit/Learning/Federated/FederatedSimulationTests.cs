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
        return new SimulationData(PlayerPartition.Deal(games, 12, positionStride: 4), validation);
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
        var attacked = Tiny() with { ClientsPerRound = 12, Malicious = 2, Attack = AttackKind.SignFlip, ValidateUpdates = true };
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
        // z = 0.8 with every client sampled (q = 1): ε ≈ 6 after one round at δ = 1e-5 and ≈ 10 after two, so a budget of 8 admits one.
        var options = Tiny(rounds: 5) with { ClientsPerRound = 12, Privacy = new PrivacyOptions(Epsilon: 8, Delta: 1e-5, ClipNorm: 0.5, NoiseMultiplier: 0.8) };
        var report = Run(options);
        Assert.NotNull(report.StoppedBecause);
        Assert.StartsWith("privacy budget", report.StoppedBecause, StringComparison.Ordinal);
        Assert.Single(report.Rounds);
        Assert.All(report.Rounds, r => Assert.InRange(r.Epsilon!.Value, 0.01, 8));
        Assert.Equal(report.Rounds.Select(r => r.Epsilon!.Value).Order(), report.Rounds.Select(r => r.Epsilon!.Value));
        Assert.All(report.Rounds, r => Assert.Equal(0.8 * 0.5 / 12, r.NoiseStd!.Value, 9)); // σ = z·S / (q·N), q·N = 12 clients
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.3, 0)]
    [InlineData(0.1, 6)]
    public void SecureAggregationGivesTheFedAvgModelWithDropoutsOnACompleteOrSparseGraph(double dropout, int neighbours)
    {
        // 12 clients a round: the threshold is 9 of 12 on the complete graph (⌊2n/3⌋ + 1), 5 of 7 in a 6-neighbourhood.
        var options = Tiny() with { Dropout = dropout, ClientsPerRound = 12, Seed = 11 };
        var plain = Run(options);
        var secure = Run(options with { SecureAggregation = new SecureAggregationOptions(neighbours) });
        Assert.Equal(plain.Rounds.Select(r => r.Dropped), secure.Rounds.Select(r => r.Dropped));
        if (dropout > 0)
        {
            Assert.Contains(secure.Rounds, r => r.Dropped > 0);
        }
        for (var i = 0; i < plain.Rounds.Count && secure.Rounds[i].Refused is null; i++)
        {
            // The same clients' updates, summed in Z_2^32 instead of floats: the same model within the quantisation error.
            Assert.Equal(plain.Rounds[i].Answered, secure.Rounds[i].Answered);
            Assert.Equal(plain.Rounds[i].Loss, secure.Rounds[i].Loss, 3);
            Assert.True(secure.Rounds[i].Seconds.SecureAggregation > 0);
        }
        Assert.Contains(secure.Rounds, r => r.Refused is null);
    }

    [Fact]
    public void ASecureRoundWithFewerSurvivorsThanTheThresholdIsRefusedAndLeavesTheModelAsItWas()
    {
        // Half the clients drop after sharing keys: below the threshold of 9 of 12, so no round can unmask.
        var report = Run(Tiny() with { Dropout = 0.5, ClientsPerRound = 12, Seed = 11, SecureAggregation = new SecureAggregationOptions() });
        var refused = report.Rounds.Where(r => r.Refused is not null).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Matches(@"only \d+ of 12 clients sent masked inputs; the threshold is 9", r.Refused));
        Assert.All(refused, r => Assert.Equal(0, r.Answered));
        // A refused first round leaves the initial weights: its loss is the initial loss.
        if (report.Rounds[0].Refused is not null)
        {
            Assert.Equal(report.InitialLoss, report.Rounds[0].Loss);
        }
    }

    [Fact]
    public void CombinationsTheSimulatorCannotHonourAreRefusedBeforeAnyTraining()
    {
        var privacy = new PrivacyOptions(Epsilon: 1);
        SimulationOptions[] refused =
        [
            Tiny("krum") with { Privacy = privacy },
            Tiny() with { Privacy = privacy, ValidateUpdates = true },
            Tiny() with { Privacy = privacy, StakeWeighted = true },
            Tiny("bulyan") with { SecureAggregation = new SecureAggregationOptions() },
            Tiny() with { SecureAggregation = new SecureAggregationOptions(), Codec = "int8" },
            Tiny() with { SecureAggregation = new SecureAggregationOptions(), Shapley = ShapleyMethod.LeaveOneOut },
            Tiny("central") with { Privacy = privacy },
            Tiny("central") with { Shapley = ShapleyMethod.MonteCarlo },
        ];
        foreach (var options in refused)
        {
            var e = Assert.Throws<ArgumentException>(() => Run(options));
            Assert.StartsWith("Cannot combine these options", e.Message, StringComparison.Ordinal);
        }
        // Bulyan with f = 1 needs 7 clients a round; 6 are sampled.
        var bulyan = Assert.Throws<OrleansGoRelay.Learning.Federated.AggregationRefusedException>(() => Run(Tiny("bulyan") with { ByzantineF = 1 }));
        Assert.Contains("at least 7 clients", bulyan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARobustRuleShortOfUpdatesAfterDropoutsRefusesTheRoundAndTheRunGoesOn()
    {
        // Krum with f = 1 needs 5 updates; 6 are sampled and half of them drop out in some round.
        var report = Run(Tiny("krum", rounds: 3) with { ByzantineF = 1, Dropout = 0.5, Seed = 3 });
        Assert.Equal(3, report.Rounds.Count);
        Assert.Contains(report.Rounds, r => r.Refused is not null && r.Refused.Contains("krum", StringComparison.Ordinal));
        Assert.All(report.Rounds.Where(r => r.Refused is null), r => Assert.True(r.Answered >= 5));
    }

    [Fact]
    public void TheCentralisedReferenceTrainsOnTheUnionWithTheClientsBudget()
    {
        var report = Run(Tiny("central", rounds: 4));
        Assert.Equal(4, report.Rounds.Count);
        Assert.All(report.Rounds, r => Assert.Equal(0, r.BytesDown));
        // 4 rounds × 6 clients × 3 steps of 16 = 1,152 positions on the union: the held-out loss falls.
        Assert.True(report.Rounds[^1].Loss < report.InitialLoss - 0.05, $"loss {report.InitialLoss} -> {report.Rounds[^1].Loss}");
    }
}
