using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Scoring;

namespace OrleansGoRelay.Tests.Go;

public sealed class RulesTests
{
    private static Board BoardFrom(string diagram, KoRule ko = KoRule.PositionalSuperko, bool suicide = false)
    {
        var rows = diagram.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var board = new Board(rows.Length, ko, suicide);
        for (var y = 0; y < rows.Length; y++)
        {
            for (var x = 0; x < rows.Length; x++)
            {
                if (rows[y][x] != '.')
                {
                    board.Setup(new Point(x, y), rows[y][x] == 'X' ? Stone.Black : Stone.White);
                }
            }
        }
        return board;
    }

    private static Move B(string sgf) => new(Color.Black, new Point(sgf[0] - 'a', sgf[1] - 'a'));

    private static Move W(string sgf) => new(Color.White, new Point(sgf[0] - 'a', sgf[1] - 'a'));

    [Fact]
    public void ACaptureRemovesTheChainAndCountsPrisoners()
    {
        var board = BoardFrom("""
            .XO..
            XO...
            .X...
            .....
            .....
            """);
        Assert.Equal(MoveLegality.Legal, board.Play(B("cb")));
        Assert.Equal(MoveLegality.Legal, board.Play(B("da")));
        Assert.Equal(Stone.Empty, board[new Point(2, 0)]);
        Assert.Equal(Stone.Empty, board[new Point(1, 1)]);
        Assert.Equal(2, board.CapturesBy(Color.Black));
    }

    [Fact]
    public void SuicideIsIllegalUnlessTheRuleAllowsMultiStoneSuicide()
    {
        const string position = """
            .O.X.
            OOXX.
            XX...
            .....
            .....
            """;
        var chinese = BoardFrom(position);
        Assert.Equal(MoveLegality.Suicide, chinese.Check(Color.Black, new Point(0, 0)));
        Assert.Equal(MoveLegality.Legal, chinese.Check(Color.White, new Point(0, 0)));
        // White filling its own last liberty at c1 (2,0) kills its four stones: legal only under Tromp-Taylor.
        var suicideBoard = BoardFrom(position.Replace(".O.X.", "OO.X.", StringComparison.Ordinal));
        Assert.Equal(MoveLegality.Suicide, suicideBoard.Check(Color.White, new Point(2, 0)));
        var trompTaylor = BoardFrom(position.Replace(".O.X.", "OO.X.", StringComparison.Ordinal), suicide: true);
        Assert.Equal(MoveLegality.Legal, trompTaylor.Play(W("ca")));
        Assert.Equal(Stone.Empty, trompTaylor[new Point(0, 0)]);
        Assert.Equal(5, trompTaylor.CapturesBy(Color.Black));
        // Single-stone suicide repeats the position, so it stays illegal even then.
        var lone = BoardFrom(".X\nX.", suicide: true);
        Assert.Equal(MoveLegality.Suicide, lone.Check(Color.White, new Point(0, 0)));
    }

    [Fact]
    public void ImmediateKoRecaptureIsIllegalUntilAMoveElsewhere()
    {
        var board = BoardFrom("""
            .XO..
            XO.O.
            .XO..
            .....
            .....
            """, KoRule.Simple);
        Assert.Equal(MoveLegality.Legal, board.Play(B("cb")));
        Assert.Equal(Stone.Empty, board[new Point(1, 1)]);
        Assert.Equal(MoveLegality.Ko, board.Play(W("bb")));
        Assert.Equal(MoveLegality.Legal, board.Play(W("ee")));
        Assert.Equal(MoveLegality.Legal, board.Play(B("ed")));
        Assert.Equal(MoveLegality.Legal, board.Play(W("bb")));
    }

    [Fact]
    public void PositionalSuperkoForbidsRecreatingAnyEarlierPosition()
    {
        // Sending two stones back and forth: after B captures two, W's recapture of one would only be basic-ko legal,
        // but a triple-ko-like cycle is caught by the position history. Build a cycle with a pass in between.
        var superko = BoardFrom("""
            .XO..
            XO.O.
            .XO..
            .....
            .....
            """);
        Assert.Equal(MoveLegality.Legal, superko.Play(B("cb")));
        superko.Pass();
        // After a pass basic ko is lifted, but retaking recreates the position before Black's capture.
        Assert.Equal(MoveLegality.Superko, superko.Check(Color.White, new Point(1, 1)));
        var simple = BoardFrom("""
            .XO..
            XO.O.
            .XO..
            .....
            .....
            """, KoRule.Simple);
        simple.Play(B("cb"));
        simple.Pass();
        Assert.Equal(MoveLegality.Legal, simple.Check(Color.White, new Point(1, 1)));
    }

    [Fact]
    public void IncrementalHashEqualsTheHashOfTheSamePositionSetUpDirectly()
    {
        var played = new Board(9);
        foreach (var move in new[] { B("cc"), W("dc"), B("cd"), W("dd"), B("ce"), W("de"), B("ed"), W("ee"), B("ec") })
        {
            Assert.Equal(MoveLegality.Legal, played.Play(move));
        }
        var direct = new Board(9);
        foreach (var index in played.Indices())
        {
            if (played[index] != Stone.Empty)
            {
                direct.Setup(played.PointOf(index), played[index]);
            }
        }
        Assert.Equal(direct.Hash, played.Hash);
        Assert.Equal(played.ToString(), direct.ToString());
    }

    [Theory]
    [InlineData(19, 2, "D4 Q16")]
    [InlineData(19, 5, "D4 Q16 D16 Q4 K10")]
    [InlineData(19, 9, "D4 Q16 D16 Q4 D10 Q10 K4 K16 K10")]
    [InlineData(13, 4, "D4 K10 D10 K4")]
    [InlineData(9, 3, "C3 G7 C7")]
    public void FixedHandicapFollowsGtp(int size, int stones, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Handicap.FixedPoints(size, stones).Select(p => p.ToGtp(size))));
    }

    [Fact]
    public void BadHandicapsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Handicap.FixedPoints(9, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Handicap.FixedPoints(5, 2));
        Assert.Throws<ArgumentException>(() => Handicap.ValidateFree(9, [new Point(2, 2), new Point(2, 2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Board(26));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Board(1));
    }

    [Fact]
    public void AGameEndsByTwoPassesOrResignationAndKeepsTurns()
    {
        var game = new Game(9, RuleSet.Chinese);
        Assert.Equal(7.5, game.Komi);
        Assert.Equal(MoveLegality.Legal, game.Play(B("ee")));
        Assert.Throws<InvalidOperationException>(() => game.Play(B("dd")));
        game.Play(Move.PassBy(Color.White));
        game.Play(Move.PassBy(Color.Black));
        Assert.True(game.PlayEnded);
        var score = game.Finish();
        Assert.Equal(81 - 7.5, score.Margin);
        Assert.Equal("B+73.5", score.Result.ToString());

        var resigned = new Game(19, RuleSet.Japanese, handicap: Handicap.FixedPoints(19, 2));
        Assert.Equal(Color.White, resigned.ToMove);
        Assert.Equal(0.5, resigned.Komi);
        Assert.Equal("B+R", resigned.Resign(Color.White).ToString());
    }

    [Fact]
    public void AreaAndTerritoryCountingWithDeadStones()
    {
        // Black owns the left, White the right; a dead white stone sits in Black's area.
        var board = BoardFrom("""
            .X.O.
            .XO..
            OX.O.
            .XO..
            .X.O.
            """);
        var dead = new[] { new Point(0, 2) };
        var area = Scorer.Count(board, RuleSet.Chinese, 0.5, dead);
        // Black: 5 stones + the a-file (4 empty points and the dead stone's point). c1, c3, c5 touch both colours.
        Assert.Equal(10, area.Black);
        // White: 5 live stones + d2, d4 and the e-file (7 points) + komi.
        Assert.Equal(12.5, area.White);
        Assert.Equal("W+2.5", area.Result.ToString());
        var territory = Scorer.Count(board, RuleSet.Japanese, 0.5, dead);
        Assert.Equal(5 + 1, territory.Black); // 5 points of territory + the dead stone as prisoner
        Assert.Equal(7.5, territory.White);
        // Tromp-Taylor ignores the dead list: a3 lives, so the a-file touches both colours and is nobody's.
        var trompTaylor = Scorer.Count(board, RuleSet.TrompTaylor, 0.5, dead);
        Assert.Equal(5, trompTaylor.Black);
        Assert.Equal(6 + 7 + 0.5, trompTaylor.White);
    }

    [Theory]
    [InlineData("B+R", "B+R")]
    [InlineData("W+Resign", "W+R")]
    [InlineData("W+3.5", "W+3.5")]
    [InlineData("B+T", "B+T")]
    [InlineData("W+Time", "W+T")]
    [InlineData("B+F", "B+F")]
    [InlineData("0", "0")]
    [InlineData("Draw", "0")]
    [InlineData("Jigo", "0")]
    [InlineData("Void", "Void")]
    [InlineData("?", "?")]
    [InlineData("", "?")]
    [InlineData("B+1.50", "B+1.5")]
    [InlineData("nonsense", "?")]
    public void ResultTextRoundTrips(string recorded, string written)
    {
        Assert.Equal(written, GameResult.Parse(recorded).ToString());
    }
}
