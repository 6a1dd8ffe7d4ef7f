using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Validation;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class UpdateValidationTests
{
    private static ClientUpdate Update(string id, params float[] delta) => new(id, delta, 10);

    [Fact]
    public void WrongShapeNonFiniteAndOversizedUpdatesAreRejectedWithTheirReason()
    {
        var updates = new[]
        {
            Update("ok", 0.1f, 0.1f),
            Update("short", 0.1f),
            Update("nan", float.NaN, 0),
            Update("big", 30f, 40f),
            new ClientUpdate("none", [0.1f, 0.1f], 0),
        };
        var checks = UpdateValidator.Check(updates, 2, null, new UpdateValidationOptions(MaxNorm: 10));
        Assert.Equal(UpdateVerdict.Accepted, checks[0].Verdict);
        Assert.All(checks.Skip(1), c => Assert.Equal(UpdateVerdict.Rejected, c.Verdict));
        Assert.StartsWith("shape", checks[1].Reason, StringComparison.Ordinal);
        Assert.StartsWith("not finite", checks[2].Reason, StringComparison.Ordinal);
        Assert.Equal("norm 50 above the bound 10", checks[3].Reason);
        Assert.Contains("examples", checks[4].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUpdateFarFromTheRobustCentreIsRejectedAndAMildOutlierFlagged()
    {
        // Honest updates spread around (1, 1); one attacker sends the flipped, amplified update.
        var updates = new List<ClientUpdate>();
        for (var i = 0; i < 9; i++)
        {
            updates.Add(Update($"h{i}", 1f + (0.1f * (i - 4)), 1f - (0.05f * (i - 4))));
        }
        updates.Add(Update("flip", -4f, -4f));
        updates.Add(Update("odd", 1.9f, 1.9f));
        var centre = new[] { 1f, 1f };
        var checks = UpdateValidator.Check(updates, 2, centre, new UpdateValidationOptions(FlagScore: 3, RejectScore: 6)).ToDictionary(c => c.ClientId);
        Assert.Equal(UpdateVerdict.Rejected, checks["flip"].Verdict);
        Assert.True(checks["flip"].CosineToCentre < -0.99);
        Assert.All(Enumerable.Range(0, 9), i => Assert.Equal(UpdateVerdict.Accepted, checks[$"h{i}"].Verdict));
        // The honest distances' median is about 0.22 and their MAD about 0.11: "odd" at 1.27 scores about 6.4 ... so it is flagged or rejected, never accepted.
        Assert.NotEqual(UpdateVerdict.Accepted, checks["odd"].Verdict);
    }

    [Fact]
    public void AScaledUpdatePointingWhereTheOthersDoIsRejectedByItsNorm()
    {
        var updates = Enumerable.Range(0, 12).Select(i => Update($"h{i}", 1f + (0.05f * (i % 4)), 0.5f - (0.03f * (i % 3)))).ToList();
        updates.Add(Update("scaled", 10f, 5f)); // 10 × a typical honest update: cosine to the centre about 1
        var checks = UpdateValidator.Check(updates, 2, [1.05f, 0.47f], new UpdateValidationOptions()).ToDictionary(c => c.ClientId);
        Assert.True(checks["scaled"].CosineToCentre > 0.99);
        Assert.Equal(UpdateVerdict.Rejected, checks["scaled"].Verdict);
        Assert.All(Enumerable.Range(0, 12), i => Assert.NotEqual(UpdateVerdict.Rejected, checks[$"h{i}"].Verdict));
    }

    [Fact]
    public void AnUpdateThatRaisesTheValidationLossBeyondTheBoundIsRejected()
    {
        var updates = Enumerable.Range(0, 5).Select(i => Update($"c{i}", i, 0)).ToList();
        var checks = UpdateValidator.Check(updates, 2, null, new UpdateValidationOptions(MaxLossIncrease: 0.5, RejectScore: 1e9, FlagScore: 1e9), delta => delta[0] * 0.2);
        Assert.Equal([UpdateVerdict.Accepted, UpdateVerdict.Accepted, UpdateVerdict.Accepted, UpdateVerdict.Rejected, UpdateVerdict.Rejected], checks.Select(c => c.Verdict));
        Assert.Equal(0.6, checks[3].LossChange!.Value, 6);
    }

    [Fact]
    public void AnUpdateThatMakesTheValidationLossNotFiniteIsRejectedAndLeavesTheOthersScoresIntact()
    {
        // Measured in fl simulate: 10x-scaled updates overflowed the validation loss to NaN, every comparison with NaN
        // was false, and they were accepted. The honest ones must still be judged among themselves.
        var updates = Enumerable.Range(0, 8).Select(i => Update($"h{i}", 1f + (0.05f * i), 0.5f)).ToList();
        updates.Add(Update("overflow", 10f, 5f));
        updates.Add(Update("infinite", 9f, 5f));
        var checks = UpdateValidator.Check(updates, 2, [1.2f, 0.5f], new UpdateValidationOptions(MaxNorm: 100), delta => delta[0] switch
        {
            10f => double.NaN,
            9f => double.PositiveInfinity,
            var x => 0.01 * x,
        }).ToDictionary(c => c.ClientId);
        Assert.Equal(UpdateVerdict.Rejected, checks["overflow"].Verdict);
        Assert.Equal(UpdateVerdict.Rejected, checks["infinite"].Verdict);
        Assert.StartsWith("the validation loss is not finite", checks["overflow"].Reason, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 8), i => Assert.Equal(UpdateVerdict.Accepted, checks[$"h{i}"].Verdict));
        Assert.All(Enumerable.Range(0, 8), i => Assert.True(double.IsFinite(checks[$"h{i}"].AnomalyScore)));
    }

    [Fact]
    public void RobustZScoresUseTheMedianAndTheScaledMedianAbsoluteDeviation()
    {
        // values 1,2,3,4,100: median 3, deviations 2,1,0,1,97 → MAD 1, spread 1.4826.
        var z = UpdateValidator.RobustZ([1, 2, 3, 4, 100]);
        Assert.Equal(-2 / 1.4826, z[0], 9);
        Assert.Equal(97 / 1.4826, z[4], 9);
        Assert.Equal(0, z[2]);
    }
}
