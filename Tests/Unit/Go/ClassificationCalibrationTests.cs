using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Go;

public sealed class ClassificationCalibrationTests(ITestOutputHelper output)
{
    private static readonly ClassificationThresholds Start = ClassificationThresholds.Design;

    [Fact]
    public void TheTeachingLineLeavesTheAskedShareOfProAmateurHandicapGamesBelowIt()
    {
        var games = Enumerable.Range(1, 100).Select(i => new CalibrationGame(ReferenceGroup.ProAmateurHandicap, 400, i / 1000.0)).ToList();
        var calibrated = new ClassificationCalibration(TeachingShare: 0.93).Calibrate(games, Start);
        var teaching = ClassificationCalibration.Confusion(games, calibrated).Counts[ReferenceGroup.ProAmateurHandicap][GameClass.Teaching];
        Assert.InRange(teaching, 93, 94);
    }

    [Fact]
    public void TheDogfightLineSeparatesEvenGamesWhoseLeadChangedFromSteadyOnes()
    {
        // Steady games have variances 0.01..0.05; of the games whose lead changed, 5 look calm (0.02) and 36 are wild
        // (0.06..0.095): the best line is the top of the steady ones.
        var steady = Enumerable.Range(0, 41).Select(i => new CalibrationGame(ReferenceGroup.EvenSteady, 10, 0.01 + i / 1000.0));
        var changed = Enumerable.Range(0, 41).Select(i => new CalibrationGame(ReferenceGroup.EvenWithLeadChange, 10, i < 5 ? 0.02 : 0.06 + (i - 5) / 1000.0));
        var games = steady.Concat(changed).ToList();
        var calibrated = new ClassificationCalibration().Calibrate(games, Start);
        Assert.InRange(calibrated.DogfightMinVariance, 0.0499, 0.0599);
        var table = ClassificationCalibration.Confusion(games, calibrated);
        Assert.True(table.Share(ReferenceGroup.EvenWithLeadChange, GameClass.Dogfight) > 0.7);
        Assert.True(table.Share(ReferenceGroup.EvenSteady, GameClass.Dogfight) < 0.1);
        Assert.Equal(Start.TeachingMaxVariance, calibrated.TeachingMaxVariance); // no handicap games: unchanged
    }

    [Fact]
    public void ValueSeriesDriveTheSwingsAndLeadChangesWhenTheEvaluatorHasThem()
    {
        // Black's value goes +0.8 for 8 moves, then -0.8: one lead change, and the margins (all zero) are ignored.
        var evaluator = new ValueScriptedEvaluator(i => i < 8 ? 0.8 : -0.8);
        var analysis = new GameAnalyzer(evaluator).Analyze(Game("5d", "5d"));
        Assert.Equal(1, analysis.LeadChanges);
        Assert.True(analysis.SwingVariance > 0);
        Assert.Equal(ReferenceGroup.EvenWithLeadChange, ClassificationCalibration.GroupOf(Game("5d", "5d"), analysis, evaluator.Thresholds));
        var calm = new GameAnalyzer(new ValueScriptedEvaluator(_ => 0.8)).Analyze(Game("5d", "5d"));
        Assert.Equal(0, calm.LeadChanges);
        Assert.Equal(0, calm.SwingVariance, 12);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void MostFoxProAmateurHandicapGamesAreTeachingGamesForTheInfluenceEvaluator()
    {
        var analyzer = new GameAnalyzer(new InfluenceEvaluator());
        var games = GoData.Games.Where(g => g.File.EndsWith("fox-pro.sgf.gz", StringComparison.Ordinal)).Where((_, i) => i % 5 == 0)
            .Select(g => (g.Record, Analysis: analyzer.Analyze(g.Record)))
            .Select(g => CalibrationGame.Of(g.Record, g.Analysis, InfluenceEvaluator.Calibrated))
            .ToList();
        var table = ClassificationCalibration.Confusion(games, InfluenceEvaluator.Calibrated);
        var teaching = table.Share(ReferenceGroup.ProAmateurHandicap, GameClass.Teaching);
        var dogfights = table.Counts.Values.Sum(row => row[GameClass.Dogfight]);
        output.WriteLine($"{games.Count} Fox games: {teaching:P1} of pro-amateur handicap games teaching, {dogfights} dogfights, " +
            $"{table.Share(ReferenceGroup.EvenWithLeadChange, GameClass.Dogfight):P0} of even games whose lead changed");
        Assert.True(games.Count(g => g.Group == ReferenceGroup.ProAmateurHandicap) > 1_000);
        Assert.True(teaching >= 0.90, $"{teaching:P1} teaching");
        Assert.True(dogfights > 0);
    }

    private sealed class ValueScriptedEvaluator(Func<int, double> value) : IGameEvaluator
    {
        public string Name => "value-scripted";

        public ClassificationThresholds Thresholds { get; } = Start with { LeadBand = 0.5 };

        public IReadOnlyList<PositionEvaluation> EvaluateGame(GameRecord record) =>
            [.. Enumerable.Range(0, record.Moves.Length + 1).Select(i => new PositionEvaluation(0, new double[record.Size * record.Size], value(i)))];
    }

    private static GameRecord Game(string blackRank, string whiteRank) => GameImporter.Import(SgfParser.Parse(
        $"(;GM[1]SZ[19]BR[{blackRank}]WR[{whiteRank}];B[pd];W[dp];B[pp];W[dd];B[pj];W[jd];B[jp];W[cj];B[qf];W[fc];B[nq];W[qc];B[pc];W[qd];B[qe];W[rc];B[rd];W[re];B[rb];W[qb])").Single());
}
