using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Playouts;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Tests.Go;

public sealed class AnalysisTests
{
    /// <summary>An evaluator that returns a given Black margin series, to pin the classification rule.</summary>
    private sealed class ScriptedEvaluator(Func<int, double> margin) : IGameEvaluator
    {
        public string Name => "scripted";

        public ClassificationThresholds Thresholds => ClassificationThresholds.Design;

        public IReadOnlyList<PositionEvaluation> EvaluateGame(GameRecord record) =>
            [.. Enumerable.Range(0, record.Moves.Length + 1).Select(i => new PositionEvaluation(margin(i), new double[record.Size * record.Size]))];
    }

    private static GameRecord Game(string blackRank, string whiteRank) => GameImporter.Import(SgfParser.Parse(
        $"(;GM[1]SZ[19]BR[{blackRank}]WR[{whiteRank}];B[pd];W[dp];B[pp];W[dd];B[pj];W[jd];B[jp];W[cj];B[qf];W[fc];B[nq];W[qc];B[pc];W[qd];B[qe];W[rc];B[rd];W[re];B[rb];W[qb])").Single());

    [Theory]
    [InlineData("1k", "5d", 0.0, GameClass.Teaching)]    // differential > 200, calm
    [InlineData("1k", "5d", 30.0, GameClass.Standard)]   // differential > 200, wild
    [InlineData("5d", "5d", 30.0, GameClass.Dogfight)]   // equal ranks, wild: swings of 3 units
    [InlineData("5d", "5d", 0.0, GameClass.Standard)]    // equal ranks, calm
    public void ClassificationFollowsDifferentialAndSwingVariance(string black, string white, double amplitude, GameClass expected)
    {
        // Margins alternate between +a and -a every two moves: smoothed swings of ±a/10 ... large when a is large.
        var analysis = new GameAnalyzer(new ScriptedEvaluator(i => (i / 2 % 2 == 0 ? 1 : -1) * amplitude)).Analyze(Game(black, white));
        Assert.Equal(expected, analysis.Class);
    }

    [Fact]
    public void TheSanrenseiGameIsNamedAndFeaturesStayInTheirRanges()
    {
        var record = Game("1k", "5d");
        var analysis = new GameAnalyzer(new InfluenceEvaluator()).Analyze(record);
        var features = analysis.Features;
        Assert.Equal("Sanrensei", features.Opening);
        Assert.Equal(0, features.OpeningId);
        Assert.Equal(20, features.Heatmap.Sum());
        Assert.InRange(features.TerritoryBalance, -100, 100);
        Assert.InRange(features.Complexity, 0, 100);
        Assert.Equal(20, features.Phases.End);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void FeaturesOfRealGamesAreWithinRangeAndConsistent()
    {
        var analyzer = new GameAnalyzer(new InfluenceEvaluator());
        var named = 0;
        foreach (var (_, _, record) in GoData.Games.Where((_, i) => i % 200 == 0))
        {
            var analysis = analyzer.Analyze(record);
            var f = analysis.Features;
            Assert.InRange(f.FightingIntensity, 0, 100);
            Assert.Equal(Math.Min(100, f.Captures * 5 + f.KoFights * 10), f.FightingIntensity);
            Assert.InRange(f.TerritoryBalance, -100, 100);
            Assert.InRange(f.Complexity, 0, 100);
            Assert.True(f.Phases.OpeningToMiddle <= f.Phases.MiddleToEnd && f.Phases.MiddleToEnd <= f.Phases.End);
            Assert.True(f.Heatmap.Sum() <= record.Moves.Count(m => !m.IsPass));
            Assert.All(analysis.TurningPoints, t => Assert.True(t.Swing >= 3));
            named += f.OpeningId != Openings.Unknown ? 1 : 0;
        }
        Assert.True(named > 50, $"only {named} named openings in the sample");
    }

    [Fact]
    public void LightPlayoutsEndWithEveryPointCountedAndAreLegal()
    {
        var playout = new LightPlayout(9);
        for (var i = 0; i < 200; i++)
        {
            var (margin, moves) = playout.RunFromEmpty(7.5);
            Assert.InRange(margin, -81 - 7.5, 81 - 7.5);
            Assert.InRange(moves, 2, 3 * 81);
            Assert.Equal(81, playout.Board.StoneCount + playout.Board.EmptyCount);
        }
    }
}
