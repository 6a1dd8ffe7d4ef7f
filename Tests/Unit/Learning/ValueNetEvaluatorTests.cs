using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Inference;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Onnx;
using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Learning;

public sealed class ValueNetEvaluatorTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryPositionGetsTheValueHeadsVerdictFromBlacksSide()
    {
        using var net = new PolicyValueNet(new NetConfig(19, Blocks: 1, Channels: 8));
        net.eval();
        using var model = new OnnxMovePredictor(OnnxExporter.Export(net));
        var game = GameImporter.ReadFile(GoData.File("tom-9d-2003-2009.sgf.gz")).First(g => g.Game is { Moves.Length: > 100 }).Game!;
        var evaluations = new ValueNetEvaluator(model).EvaluateGame(game);

        Assert.Equal(game.Moves.Length + 1, evaluations.Count);
        var sequence = GamePositions.Sequence(game).ToList();
        Assert.Equal(evaluations.Count, sequence.Count);
        Assert.Null(sequence[^1].Next);
        foreach (var i in new[] { 0, 1, 57, game.Moves.Length })
        {
            var planes = new float[InputPlanes.Count * 19 * 19];
            InputPlanes.ToFloats(sequence[i].Planes, planes);
            var own = model.Predict(planes, 1)[0].Value;
            Assert.Equal(sequence[i].ToMove == Color.Black ? own : -own, evaluations[i].BlackValue!.Value, 5);
        }
        // The margin and ownership are the influence heuristic's.
        var influence = new InfluenceEvaluator().EvaluateGame(game);
        Assert.Equal(influence[^1].BlackMargin, evaluations[^1].BlackMargin);
        Assert.Equal(GameClass.Standard, new GameAnalyzer(new ValueNetEvaluator(model)).Analyze(game with { BlackRank = null }).Class);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void WithTheShippedModelMostFoxProAmateurHandicapGamesAreTeachingGames()
    {
        using var model = OnnxMovePredictor.Load(Path.Combine(TestEnvironment.RepositoryRoot, "models", "baseline", "model-int8.onnx"), threads: 2);
        var evaluator = new ValueNetEvaluator(model);
        var analyzer = new GameAnalyzer(evaluator);
        // Every 20th Fox game: about 500, a tenth of what the thresholds were calibrated on.
        var games = GoData.Games.Where(g => g.File.EndsWith("fox-pro.sgf.gz", StringComparison.Ordinal)).Where((_, i) => i % 20 == 3)
            .Select(g => (g.Record, Analysis: analyzer.Analyze(g.Record)))
            .Select(g => CalibrationGame.Of(g.Record, g.Analysis, evaluator.Thresholds))
            .ToList();
        var table = ClassificationCalibration.Confusion(games, evaluator.Thresholds);
        var teaching = table.Share(ReferenceGroup.ProAmateurHandicap, GameClass.Teaching);
        output.WriteLine($"{games.Count} Fox games: {teaching:P1} of pro-amateur handicap games teaching, {table.Share(ReferenceGroup.Other, GameClass.Teaching):P1} of other games");
        Assert.True(games.Count(g => g.Group == ReferenceGroup.ProAmateurHandicap) > 250);
        Assert.True(teaching >= 0.90, $"{teaching:P1} teaching");
        // The variance line binds: the wildest handicap games are not teaching games.
        Assert.True(teaching < 1.0);
    }
}
