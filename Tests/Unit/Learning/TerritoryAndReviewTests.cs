using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Inference;
using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Learning;

/// <summary>The analysis tools behind review_game and estimate_territory, on real games and the shipped model.</summary>
public sealed class TerritoryAndReviewTests
{
    private static readonly string ShippedModel = Path.Combine(TestEnvironment.RepositoryRoot, "models", "baseline", "model.onnx");

    [Fact]
    public void AnEmptyBoardIsUndecidedAndKomiIsWhitesMargin()
    {
        var map = TerritoryMap.Of(new Board(9), 7.5);
        Assert.All(map.Rows, row => Assert.Equal(".........", row));
        Assert.Equal((0, 0, 81, -7.5), (map.BlackPoints, map.WhitePoints, map.Undecided, map.BlackMargin));
    }

    [Fact]
    public void RowsRunFromTheTopRowDownAndStonesOwnTheirPoints()
    {
        var board = new Board(9);
        board.Setup(Point.FromGtp("A9", 9), Stone.Black);
        board.Setup(Point.FromGtp("J1", 9), Stone.White);
        var map = TerritoryMap.Of(board, 0.5);
        Assert.Equal('B', map.Rows[0][0]); // A9: top left
        Assert.Equal('W', map.Rows[8][8]); // J1: bottom right
        Assert.Equal(81, map.BlackPoints + map.WhitePoints + map.Undecided);
        Assert.Equal(map.BlackPoints - map.WhitePoints - 0.5, map.BlackMargin);
    }

    [Fact]
    public void AWallSplitsTheBoardBetweenItsSides()
    {
        var board = new Board(9);
        for (var row = 1; row <= 9; row++)
        {
            board.Setup(Point.FromGtp($"C{row}", 9), Stone.Black);
            board.Setup(Point.FromGtp($"G{row}", 9), Stone.White);
        }
        var map = TerritoryMap.Of(board, 7.5);
        // The walls' own points are owned; behind them, each side owns or leans (a far corner only leans: influence fades).
        Assert.All(map.Rows, row => Assert.Equal(('B', 'W'), (row[2], row[6])));
        Assert.All(map.Rows, row => Assert.All(row[..2].ToCharArray(), c => Assert.Contains(c, "Bb")));
        Assert.All(map.Rows, row => Assert.All(row[7..].ToCharArray(), c => Assert.Contains(c, "Ww")));
        Assert.Equal(map.BlackPoints, map.WhitePoints); // the board is symmetric
    }

    [Fact]
    public void AReviewCoversEveryMoveAndItsModelMovesAreLegalFirstChoices()
    {
        using var model = OnnxMovePredictor.Load(ShippedModel);
        var record = GoData.Games.Where(g => g.File == "tom-9d-2003-2009.sgf.gz").Select(g => g.Record)
            .First(r => r is { Size: 19, Handicap: 0, Setup.Count: 0, Moves.Length: >= 150 });
        var review = GameReviewer.Review(model, record, "shipped");

        Assert.Equal(record.Moves.Length, review.Moves);
        Assert.Equal(record.Moves.Length, review.BlackWinProbability.Count);
        Assert.All(review.BlackWinProbability, p => Assert.InRange(p, 0, 1));
        Assert.All(new[] { "B", "W" }, colour => Assert.InRange(review.Agreement[colour], 0, 1));
        // A trained model agrees with a 9-dan's moves far more often than a uniform guess over ~250 legal points would.
        Assert.True(review.Agreement["B"] + review.Agreement["W"] > 0.2, $"agreement {review.Agreement["B"]} / {review.Agreement["W"]}");
        Assert.InRange(review.Mistakes.Count, 0, 5);
        Assert.Equal(review.Mistakes.OrderByDescending(m => m.Swing).Select(m => m.MoveNumber), review.Mistakes.Select(m => m.MoveNumber));
        if (review.Mistakes.Count > 0)
        {
            Assert.Equal(review.Mistakes[0], review.TurningPoint);
        }
        var board = record.InitialBoard();
        var byNumber = review.Mistakes.ToDictionary(m => m.MoveNumber);
        for (var i = 0; i < record.Moves.Length; i++)
        {
            if (byNumber.TryGetValue(i + 1, out var reviewed))
            {
                // The model's move there is legal in that position, and its own first choice.
                Assert.Equal(MoveLegality.Legal, board.Clone().Play(new Move(record.Moves[i].Player, Point.FromGtp(reviewed.ModelMove, 19))));
                Assert.True(reviewed.ModelMoveProbability >= reviewed.PlayedProbability);
                Assert.Equal(record.Moves[i].Point.ToGtp(19), reviewed.Played);
            }
            board.Play(record.Moves[i]);
        }
    }
}
