using OrleansGoRelay.Contracts.Inference;
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
        var progress = new List<(int Read, int Total)>();
        var review = GameReviewer.Review(model, record, "shipped", progress: (read, total) => progress.Add((read, total)));

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
        // Progress after each batch of 64 positions, up to every move's position and the final one.
        Assert.Equal(Enumerable.Range(1, progress.Count).Select(i => Math.Min(64 * i, record.Moves.Length + 1)), progress.Select(p => p.Read));
        Assert.All(progress, p => Assert.Equal(record.Moves.Length + 1, p.Total));
        // The value head's critical moves and the policy's blunders, each largest first and each a fall or a gap.
        var critical = Assert.IsAssignableFrom<IReadOnlyList<ReviewedMove>>(review.CriticalMoves);
        Assert.InRange(critical.Count, 1, 5);
        Assert.Equal(critical.OrderByDescending(m => m.Swing).Select(m => m.MoveNumber), critical.Select(m => m.MoveNumber));
        Assert.All(critical, m => Assert.True(m.Swing > 0));
        var blunders = Assert.IsAssignableFrom<IReadOnlyList<ReviewedMove>>(review.PolicyBlunders);
        Assert.All(blunders, m => Assert.True(m.ModelMoveProbability >= 0.5 && m.PlayedProbability < 0.05 && m.ModelMove != m.Played, $"{m}"));
        Assert.Equal("influence", review.SwingEvaluator);
        var board = record.InitialBoard();
        var byNumber = review.Mistakes.Concat(critical).Concat(blunders).DistinctBy(m => m.MoveNumber).ToDictionary(m => m.MoveNumber);
        for (var i = 0; i < record.Moves.Length; i++)
        {
            if (byNumber.TryGetValue(i + 1, out var reviewed))
            {
                // The model's move there is legal in that position, and its own first choice.
                Assert.Equal(MoveLegality.Legal, board.Clone().Play(new Move(record.Moves[i].Player, Point.FromGtp(reviewed.ModelMove, 19))));
                Assert.True(reviewed.ModelMoveProbability >= reviewed.PlayedProbability - 1e-4);
                Assert.Equal(record.Moves[i].Point.ToGtp(19), reviewed.Played);
            }
            board.Play(record.Moves[i]);
        }
    }
}

/// <summary>The style profile with the shipped model as the yardstick of move quality, on a real player's games.</summary>
public sealed class PlayerStyleModelTests
{
    [Fact]
    public void ConsistencyIsMeasuredOnEveryGameOfTheModelsSizeAndQualitiesStayBetweenZeroAndOne()
    {
        using var model = OnnxMovePredictor.Load(Path.Combine(TestEnvironment.RepositoryRoot, "models", "baseline", "model-int8.onnx"));
        var tom = GoData.Games.Where(g => g.File == "tom-9d-2003-2009.sgf.gz").Select(g => g.Record).Take(2000).ToList();
        var player = tom.Select(r => r.Black).GroupBy(n => n).MaxBy(g => g.Count())!.Key!;
        var games = tom.Where(r => r.Black == player || r.White == player).Take(4).Select(r => new PlayerGame(r)).ToList();

        var style = PlayerStyles.Profile(player, games, model);

        var consistency = Assert.IsType<OrleansGoRelay.Go.Analysis.ConsistencyStyle>(style.Consistency);
        Assert.Equal(games.Count, consistency.GamesMeasured);
        Assert.InRange(consistency.MeanQuality, 0.05, 1);
        Assert.InRange(consistency.StdDevAcrossGames!.Value, 0, 0.5);
        // A 9-dan agrees with a model of 36 % top-1 on held-out games far more often than chance would.
        Assert.InRange(consistency.ModelAgreement, 0.15, 0.8);
    }
}
