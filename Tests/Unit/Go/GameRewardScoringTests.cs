using System.Globalization;
using System.Text;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Go;

public sealed class GameRewardScoringTests(ITestOutputHelper output)
{
    private const int CorpusGames = 2_000;

    // The first 2,000 importable 19×19 games of the 9-dan collection, and their index, read once for all tests.
    private static readonly Lazy<IReadOnlyList<GameRecord>> Corpus = new(() =>
        [.. GameImporter.ReadFile(GoData.File("tom-9d-2003-2009.sgf.gz"))
            .Where(g => g.Game is { Size: 19, Moves.Length: >= 20 })
            .Select(g => g.Game!)
            .Take(CorpusGames)]);

    private static readonly Lazy<GameRarityIndex> Index = new(() => GameRarityIndex.Build(Corpus.Value));

    private static readonly ClassificationThresholds Lines = ClassificationThresholds.Design;

    [Fact]
    public void ACommonOpeningIsLessRareThanAnUnseenOne()
    {
        var index = Index.Value;
        var sample = Corpus.Value.Take(200).ToList();
        var common = sample.MinBy(index.OpeningRarityBp)!;
        var bizarre = FirstLineGame();
        var commonBp = index.OpeningRarityBp(common);
        var typicalBp = sample.Average(index.OpeningRarityBp);
        var bizarreBp = index.OpeningRarityBp(bizarre);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"opening rarity: most common {commonBp}, corpus mean {typicalBp:0}, first-line game {bizarreBp}"));
        Assert.True(commonBp < 5_000, $"most common opening {commonBp}");
        Assert.True(typicalBp < bizarreBp - 2_000, $"corpus mean {typicalBp} against {bizarreBp}");
        Assert.True(bizarreBp >= 9_500, $"first-line opening {bizarreBp}");
    }

    [Fact]
    public void FirstLineMovesMakeRarerShapesThanAProfessionalGame()
    {
        var index = Index.Value;
        var typical = Corpus.Value.Take(200).Average(index.ShapeRarityBp);
        var bizarre = index.ShapeRarityBp(FirstLineGame());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shape rarity: corpus mean {typical:0}, first-line game {bizarre}"));
        Assert.True(bizarre > typical, $"first-line shapes {bizarre} against {typical}");
    }

    [Fact]
    public void EverySymmetryOfAGameHasTheSameRarity()
    {
        var index = Index.Value;
        foreach (var game in Corpus.Value.Take(5).Append(FirstLineGame()))
        {
            var expected = (index.RarityBp(game), index.OpeningRarityBp(game), index.ShapeRarityBp(game));
            for (var symmetry = 1; symmetry < 8; symmetry++)
            {
                var turned = Transformed(game, symmetry);
                Assert.Equal(expected, (index.RarityBp(turned), index.OpeningRarityBp(turned), index.ShapeRarityBp(turned)));
            }
        }
    }

    [Fact]
    public void ColoursArePartOfTheOpening()
    {
        var index = Index.Value;
        var game = Corpus.Value[0];
        var swapped = game with { Moves = [.. game.Moves.Select(m => m with { Player = m.Player.Opponent() })] };
        Assert.True(index.OpeningRarityBp(swapped) > index.OpeningRarityBp(game));
    }

    [Fact]
    public void RarityIsInBasisPointsAndNothingForNoEvidence()
    {
        var index = Index.Value;
        Assert.Equal(CorpusGames, index.Games);
        Assert.Equal(CorpusGames, index.GamesOfSize(19));
        foreach (var game in Corpus.Value.Take(300).Append(FirstLineGame()))
        {
            Assert.InRange(index.RarityBp(game), 0, 10_000);
            Assert.InRange(index.OpeningRarityBp(game), 0, 10_000);
            Assert.InRange(index.ShapeRarityBp(game), 0, 10_000);
        }
        var empty = Corpus.Value[0] with { Moves = [] };
        Assert.Equal(0, index.RarityBp(empty));
        Assert.Equal(0, index.RarityBp(Parse("(;GM[1]SZ[9];B[ee];W[cc];B[gg])"))); // no 9×9 games in the corpus
    }

    [Fact]
    public void AGameAddedToTheCorpusBecomesLessRare()
    {
        var index = GameRarityIndex.Build(Corpus.Value.Take(300));
        var bizarre = FirstLineGame();
        var before = index.RarityBp(bizarre);
        for (var i = 0; i < 10; i++)
        {
            index.Add(bizarre);
        }
        Assert.Equal(310, index.Games);
        Assert.True(index.RarityBp(bizarre) < before, $"{index.RarityBp(bizarre)} after against {before} before");
    }

    [Fact]
    public void GamesAddedConcurrentlyAreAllCounted()
    {
        var games = Corpus.Value.Take(400).ToList();
        var concurrent = new GameRarityIndex();
        Parallel.ForEach(games, new ParallelOptions { MaxDegreeOfParallelism = 4 }, concurrent.Add);
        var sequential = GameRarityIndex.Build(games);
        Assert.Equal(games.Count, concurrent.Games);
        foreach (var game in games.Take(20).Append(FirstLineGame()))
        {
            Assert.Equal(sequential.RarityBp(game), concurrent.RarityBp(game));
        }
    }

    [Fact]
    public void ATeachingGameFarBeyondItsLinesIsClearerThanOneBarelyBeyond()
    {
        var far = GameClarity.ClarityBp(GameClass.Teaching, 450, 0.02, Lines);
        var barely = GameClarity.ClarityBp(GameClass.Teaching, 210, 0.19, Lines);
        Assert.Equal(9_487, far); // √(min(1, 250/200) × 0.18/0.2)
        Assert.Equal(500, barely); // √(0.05 × 0.05)
        Assert.True(far > barely);
    }

    [Fact]
    public void AGameBarelyAcrossOneLineIsBorderlineHoweverFarPastTheOther()
    {
        Assert.True(GameClarity.ClarityBp(GameClass.Teaching, 1_000, 0.1999, Lines) < 300);
        Assert.True(GameClarity.ClarityBp(GameClass.Teaching, 200.1, 0, Lines) < 300);
    }

    [Fact]
    public void ADogfightIsMeasuredAgainstTheDogfightLines()
    {
        Assert.Equal(10_000, GameClarity.ClarityBp(GameClass.Dogfight, 0, 1.6, Lines));
        Assert.Equal(2_236, GameClarity.ClarityBp(GameClass.Dogfight, 40, 1.0, Lines)); // √(10/50 × 0.2/0.8)
        Assert.True(GameClarity.ClarityBp(GameClass.Dogfight, 49, 0.81, Lines) < 300);
    }

    [Fact]
    public void AStandardGameOrOneWithoutADifferentialHasNoClarity()
    {
        Assert.Equal(0, GameClarity.ClarityBp(GameClass.Standard, 450, 0.02, Lines));
        Assert.Equal(0, GameClarity.ClarityBp(GameClass.Standard, 0, 1.6, Lines));
        Assert.Equal(0, GameClarity.ClarityBp(GameClass.Teaching, null, 0.02, Lines));
        Assert.Equal(0, GameClarity.ClarityBp(GameClass.Teaching, 100, 0.02, Lines)); // the figures contradict the class
    }

    [Fact]
    public void TheClarityOfAnAnalysisReadsItsClassDifferentialAndVariance()
    {
        var evaluator = new InfluenceEvaluator();
        var game = Corpus.Value[0];
        var analysis = new GameAnalyzer(evaluator).Analyze(game);
        Assert.Equal(
            GameClarity.ClarityBp(analysis.Class, analysis.RatingDifferential, analysis.SwingVariance, evaluator.Thresholds),
            GameClarity.ClarityBp(analysis, evaluator.Thresholds));
        var teaching = analysis with { Class = GameClass.Teaching, RatingDifferential = 450, SwingVariance = 0.02 };
        Assert.Equal(9_487, GameClarity.ClarityBp(teaching, Lines));
    }

    // Twenty first-line moves, two lines apart so that nothing is captured: an opening and shapes no 9-dan plays.
    private static GameRecord FirstLineGame()
    {
        var points = Enumerable.Range(0, 9).Select(i => $"{(char)('b' + 2 * i)}a")
            .Concat(Enumerable.Range(0, 9).Select(i => $"a{(char)('b' + 2 * i)}"))
            .Concat(["sc", "se"]);
        var sgf = new StringBuilder("(;GM[1]SZ[19]");
        var black = true;
        foreach (var point in points)
        {
            sgf.Append(';').Append(black ? 'B' : 'W').Append('[').Append(point).Append(']');
            black = !black;
        }
        return Parse(sgf.Append(')').ToString());
    }

    private static GameRecord Parse(string sgf) => GameImporter.Import(SgfParser.Parse(sgf).Single());

    private static GameRecord Transformed(GameRecord game, int symmetry) => game with
    {
        Moves = [.. game.Moves.Select(m => m.IsPass ? m : m with { Point = Openings.Transform(m.Point, symmetry, game.Size) })],
        Setup = [.. game.Setup.Select(s => s with { Point = Openings.Transform(s.Point, symmetry, game.Size) })],
    };
}
