using System.Text.Json;
using OrleansGoRelay.Learning.Federated.Aggregation;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class ServerOptimizerTests
{
    [Fact]
    public void ServerSgdWithLearningRateOneIsFedAvgsUpdateAndLeavesItsInputsAlone()
    {
        float[] weights = [1f, 2f];
        float[] delta = [0.5f, -1f];
        var next = new ServerSgd(1).Apply(weights, delta);
        Assert.Equal([1.5f, 1f], next);
        Assert.Equal([1f, 2f], weights);
        Assert.Equal([0.5f, -1f], delta);
    }

    [Fact]
    public void ServerSgdScalesByTheLearningRateAndCarriesMomentumAcrossRounds()
    {
        // η = 0.5, μ = 0.9. u = 2 → x = 1; u = 0.9·2 + 0 = 1.8 → x = 1.9; u = 0.9·1.8 − 1 = 0.62 → x = 2.21.
        var sgd = new ServerSgd(0.5, momentum: 0.9);
        var x = sgd.Apply([0f], [2f]);
        Assert.Equal(1f, x[0], 1e-6f);
        x = sgd.Apply(x, [0f]);
        Assert.Equal(1.9f, x[0], 1e-6f);
        x = sgd.Apply(x, [-1f]);
        Assert.Equal(2.21f, x[0], 1e-6f);
        Assert.Equal(0.62f, sgd.ExportState().FirstMoment![0], 1e-6f);
        Assert.Equal(3, sgd.ExportState().Steps);
    }

    [Fact]
    public void FedAdamsFirstStepMatchesTheHandComputedUpdate()
    {
        // η = 6, β₁ = β₂ = 0.5, τ = 1 (v₀ = τ² = 1). Δ = 7: m = 0.5·7 = 3.5, v = 0.5·1 + 0.5·49 = 25,
        // x = 0 + 6·3.5 / (5 + 1) = 3.5. Δ = 0: m = 0, v = 0.5, x unchanged.
        var adam = new FedAdam(6, beta1: 0.5, beta2: 0.5, tau: 1);
        var x = adam.Apply([0f, 10f], [7f, 0f]);
        Assert.Equal([3.5f, 10f], x);
        var state = adam.ExportState();
        Assert.Equal([3.5f, 0f], state.FirstMoment!);
        Assert.Equal([25f, 0.5f], state.SecondMoment!);
    }

    [Fact]
    public void FedYogiMovesTheSecondMomentAdditivelyTowardsTheSquaredDelta()
    {
        // η = 2, β₁ = β₂ = 0.5, τ = 1. Δ = 4: v = 1 − 0.5·16·sign(1 − 16) = 9, m = 2, x = 2·2 / (3 + 1) = 1.
        var yogi = new FedYogi(2, beta1: 0.5, beta2: 0.5, tau: 1);
        var x = yogi.Apply([0f], [4f]);
        Assert.Equal([1f], x);
        // Δ = 1: m = 0.5·2 + 0.5·1 = 1.5, v = 9 − 0.5·1·sign(9 − 1) = 8.5 (Adam's would fall to 0.5·9 + 0.5 = 5).
        x = yogi.Apply(x, [1f]);
        Assert.Equal((float)(1 + (2 * 1.5 / (Math.Sqrt(8.5) + 1))), x[0], 1e-6f);
        Assert.Equal([8.5f], yogi.ExportState().SecondMoment!);

        var adam = new FedAdam(2, beta1: 0.5, beta2: 0.5, tau: 1);
        adam.ImportState(new ServerOptimizerState("fedadam", 1, [2f], [9f]));
        var fromAdam = adam.Apply([1f], [1f]);
        Assert.Equal([5f], adam.ExportState().SecondMoment!);
        Assert.Equal((float)(1 + (2 * 1.5 / (Math.Sqrt(5) + 1))), fromAdam[0], 1e-6f);
    }

    [Fact]
    public void TheSecondMomentStartsAtTauSquared()
    {
        // With Δ = 0 and τ = 0.5: Adam's v = β₂·τ² = 0.5·0.25 = 0.125; Yogi's v = τ² − 0 = 0.25.
        var adam = new FedAdam(1, beta1: 0.9, beta2: 0.5, tau: 0.5);
        adam.Apply([0f], [0f]);
        Assert.Equal([0.125f], adam.ExportState().SecondMoment!);
        var yogi = new FedYogi(1, beta1: 0.9, beta2: 0.5, tau: 0.5);
        yogi.Apply([0f], [0f]);
        Assert.Equal([0.25f], yogi.ExportState().SecondMoment!);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("fedadam")]
    [InlineData("fedyogi")]
    public void ResumingFromASerialisedStateGivesTheSameWeightsAsAnUninterruptedRun(string name)
    {
        var random = new Random(8);
        var deltas = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 10_000).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var start = new float[10_000];

        var uninterrupted = ServerOptimizers.Create(name, 0.1, momentum: 0.9);
        var expected = start;
        foreach (var delta in deltas)
        {
            expected = uninterrupted.Apply(expected, delta);
        }

        var first = ServerOptimizers.Create(name, 0.1, momentum: 0.9);
        var weights = first.Apply(first.Apply(start, deltas[0]), deltas[1]);
        var json = JsonSerializer.Serialize(first.ExportState());
        var resumed = ServerOptimizers.Create(name, 0.1, momentum: 0.9);
        resumed.ImportState(JsonSerializer.Deserialize<ServerOptimizerState>(json)!);
        weights = resumed.Apply(resumed.Apply(weights, deltas[2]), deltas[3]);

        Assert.Equal(expected, weights);
        Assert.Equal(4, resumed.ExportState().Steps);
    }

    [Fact]
    public void AnOptimiserRefusesAnotherOptimisersStateAndAStepOfAnotherLength()
    {
        var adam = new FedAdam(0.1);
        Assert.Throws<ArgumentException>(() => adam.ImportState(new ServerOptimizerState("fedyogi", 1, [0f], [0f])));
        Assert.Throws<ArgumentException>(() => adam.ImportState(new ServerOptimizerState("fedadam", 1, [0f], null)));
        adam.Apply([0f, 0f], [1f, 1f]);
        Assert.Throws<ArgumentException>(() => adam.Apply([0f], [1f]));
        Assert.Throws<ArgumentException>(() => new ServerSgd(1).Apply([0f, 0f], [1f]));
    }

    [Fact]
    public void TheFactoryBuildsEveryOptimiserByNameAndListsTheValidNamesForAnUnknownOne()
    {
        Assert.Equal(0.9, Assert.IsType<ServerSgd>(ServerOptimizers.Create("sgd", 1, momentum: 0.9)).Momentum);
        var adam = Assert.IsType<FedAdam>(ServerOptimizers.Create("FedAdam", 0.01));
        Assert.Equal((0.01, 0.9, 0.99, 1e-3), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Tau));
        Assert.IsType<FedYogi>(ServerOptimizers.Create("fedyogi", 0.01, tau: 1e-2));
        var error = Assert.Throws<ArgumentException>(() => ServerOptimizers.Create("adam", 0.01));
        Assert.Contains("sgd, fedadam, fedyogi", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServerSgd(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FedAdam(0.1, beta2: 1));
    }
}
