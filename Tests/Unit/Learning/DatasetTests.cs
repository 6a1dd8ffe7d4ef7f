using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Data;

namespace OrleansGoRelay.Tests.Learning;

public sealed class DatasetTests
{
    private static readonly string NineDan = GoData.File("tom-9d-2003-2009.sgf.gz");

    [Fact]
    public void AGameGivesOnePositionPerMoveWithTheMovePlayedAndTheOutcomeForTheSideToMove()
    {
        var game = GameImporter.ReadFile(NineDan).First(g => g.Game is { Result.Winner: not null }).Game!;
        var positions = GamePositions.Of(game).ToList();
        Assert.Equal(game.Moves.Length, positions.Count);
        for (var i = 0; i < positions.Count; i++)
        {
            var move = game.Moves[i];
            Assert.Equal(i + 1, positions[i].MoveNumber);
            Assert.Equal(move.IsPass ? 361 : move.Point.Y * 19 + move.Point.X, positions[i].Move);
            Assert.True(positions[i].HasOutcome);
            Assert.Equal(move.Player == game.Result.Winner ? 1f : -1f, positions[i].Outcome);
        }
    }

    [Fact]
    public void TheSplitIsDeterministicAndHoldsOutAboutTheShareAsked()
    {
        var split = new GameSplit(ValidationPerMille: 20);
        var games = GameImporter.ReadFile(NineDan).Where(g => g.Game is not null).Select(g => g.Game!).Take(10_000).ToList();
        var again = GameImporter.ReadFile(NineDan).Where(g => g.Game is not null).Select(g => g.Game!).Take(10_000).ToList();
        Assert.Equal(games.Select(GameSplit.Hash), again.Select(GameSplit.Hash));
        var held = games.Count(g => split.PartOf(GameSplit.Hash(g)) == DataPart.Validation);
        Assert.InRange(held, 150, 250); // 2 % of 10,000, within about 3.5 standard deviations
    }

    [Fact]
    public void TheTrainingStreamNeverShowsAValidationGameAndRepeatsExactlyFromTheSameSeed()
    {
        var split = new GameSplit();
        var first = new TrainingPositions([NineDan], 19, split, bufferSize: 500, seed: 3);
        var second = new TrainingPositions([NineDan], 19, split, bufferSize: 500, seed: 3);
        for (var i = 0; i < 3_000; i++)
        {
            var (a, sa) = first.Next();
            var (b, sb) = second.Next();
            Assert.Equal(DataPart.Training, split.PartOf(a.GameHash));
            Assert.Equal((a.GameHash, a.MoveNumber, sa), (b.GameHash, b.MoveNumber, sb));
        }
    }

    [Fact]
    public void SkippingBringsANewStreamToExactlyWhereAnotherStoodAfterAsManyPositions()
    {
        var split = new GameSplit();
        var taken = new TrainingPositions([NineDan], 19, split, bufferSize: 300, seed: 11);
        for (var i = 0; i < 1_234; i++)
        {
            taken.Next();
        }
        var skipped = new TrainingPositions([NineDan], 19, split, bufferSize: 300, seed: 11);
        skipped.Skip(1_234);
        for (var i = 0; i < 50; i++)
        {
            var (a, sa) = taken.Next();
            var (b, sb) = skipped.Next();
            Assert.Equal((a.GameHash, a.MoveNumber, sa), (b.GameHash, b.MoveNumber, sb));
            Assert.Equal(a.Planes, b.Planes);
        }
    }

    [Fact]
    public void TheShuffleBufferMixesGames()
    {
        var stream = new TrainingPositions([NineDan], 19, new GameSplit(), bufferSize: 2_000, seed: 5);
        var games = Enumerable.Range(0, 200).Select(_ => stream.Next().Position.GameHash).Distinct().Count();
        Assert.True(games > 10, $"200 consecutive positions came from only {games} games");
    }

    [Fact]
    public void OutcomesAreUnknownForVoidAndUnfinishedGames()
    {
        Assert.Equal((1f, true), GamePositions.OutcomeFor(GameResult.ByResignation(Color.White), Color.White));
        Assert.Equal((-1f, true), GamePositions.OutcomeFor(GameResult.ByResignation(Color.White), Color.Black));
        Assert.Equal((0f, true), GamePositions.OutcomeFor(GameResult.Draw, Color.Black));
        Assert.False(GamePositions.OutcomeFor(GameResult.Void, Color.Black).Known);
        Assert.False(GamePositions.OutcomeFor(GameResult.Unknown, Color.Black).Known);
    }
}
