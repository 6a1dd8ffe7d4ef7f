using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Tests.Learning;

public sealed class InputPlanesTests
{
    private static Board BoardFrom(string diagram)
    {
        var rows = diagram.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var board = new Board(rows.Length);
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

    private static byte At(byte[] planes, int plane, int size, int x, int y) => planes[plane * size * size + y * size + x];

    private static byte[] Encode(Board board, Color toMove, params Move[] recent)
    {
        var planes = new byte[InputPlanes.Count * board.Size * board.Size];
        InputPlanes.Encode(board, toMove, recent, planes);
        return planes;
    }

    [Fact]
    public void LibertyPlanesCountEachChainsLibertiesFromTheSideToMovesView()
    {
        var board = BoardFrom("""
            .XO..
            XO...
            .X...
            .....
            .....
            """);
        var planes = Encode(board, Color.Black);
        Assert.Equal(1, At(planes, InputPlanes.OwnLiberties + 0, 5, 1, 0));     // X at b1: only a1 left
        Assert.Equal(1, At(planes, InputPlanes.OwnLiberties + 1, 5, 0, 1));     // X at a2: a1 and a3
        Assert.Equal(1, At(planes, InputPlanes.OwnLiberties + 2, 5, 1, 2));     // X at b3: three liberties
        Assert.Equal(1, At(planes, InputPlanes.OpponentLiberties + 0, 5, 1, 1)); // O at b2: in atari
        Assert.Equal(1, At(planes, InputPlanes.OpponentLiberties + 1, 5, 2, 0)); // O at c1: two liberties
        Assert.Equal(0, At(planes, InputPlanes.OwnLiberties + 1, 5, 1, 0));
        Assert.Equal(1, At(planes, InputPlanes.OwnStones, 5, 1, 2));
        Assert.Equal(1, At(planes, InputPlanes.OpponentStones, 5, 2, 0));
        Assert.Equal(1, At(planes, InputPlanes.Empty, 5, 0, 0));
        Assert.Equal(0, At(planes, InputPlanes.Empty, 5, 1, 0));
        Assert.Equal(1, At(planes, InputPlanes.Legal, 5, 2, 1));  // the capture
        Assert.Equal(0, At(planes, InputPlanes.Legal, 5, 1, 0));  // occupied
        Assert.All(Enumerable.Range(0, 25), p => Assert.Equal(1, planes[InputPlanes.BlackToMove * 25 + p]));
        Assert.All(Enumerable.Range(0, 25), p => Assert.Equal(1, planes[InputPlanes.OnBoard * 25 + p]));

        var asWhite = Encode(board, Color.White);
        Assert.Equal(1, At(asWhite, InputPlanes.OwnLiberties + 0, 5, 1, 1));
        Assert.Equal(1, At(asWhite, InputPlanes.OpponentLiberties + 0, 5, 1, 0));
        Assert.All(Enumerable.Range(0, 25), p => Assert.Equal(0, asWhite[InputPlanes.BlackToMove * 25 + p]));
    }

    [Fact]
    public void AKoCaptureMarksTheRetakeAsTheKoPointAndNotLegal()
    {
        var board = BoardFrom("""
            .XO..
            XO.O.
            .XO..
            .....
            .....
            """);
        var capture = new Move(Color.Black, new Point(2, 1));
        Assert.Equal(MoveLegality.Legal, board.Play(capture));
        var planes = Encode(board, Color.White, capture);
        Assert.Equal(1, At(planes, InputPlanes.KoPoint, 5, 1, 1));
        Assert.Equal(1, planes.Skip(InputPlanes.KoPoint * 25).Take(25).Sum(b => b));
        Assert.Equal(0, At(planes, InputPlanes.Legal, 5, 1, 1));
        Assert.Equal(1, At(planes, InputPlanes.Empty, 5, 1, 1));
        // The capturing stone, now the opponent's, in atari; and it is the last move.
        Assert.Equal(1, At(planes, InputPlanes.OpponentLiberties + 0, 5, 2, 1));
        Assert.Equal(1, At(planes, InputPlanes.History, 5, 2, 1));
    }

    [Fact]
    public void HistoryPlanesHoldTheLastFourMovesMostRecentFirstAndAPassLeavesItsPlaneEmpty()
    {
        var board = new Board(9);
        Move[] recent =
        [
            new(Color.White, new Point(4, 4)), new(Color.Black, Point.Pass), new(Color.White, new Point(2, 6)),
            new(Color.Black, new Point(6, 2)), new(Color.White, new Point(0, 0)),
        ];
        var planes = Encode(board, Color.Black, recent);
        Assert.Equal(1, At(planes, InputPlanes.History + 0, 9, 4, 4));
        Assert.Equal(0, planes.Skip((InputPlanes.History + 1) * 81).Take(81).Sum(b => b));
        Assert.Equal(1, At(planes, InputPlanes.History + 2, 9, 2, 6));
        Assert.Equal(1, At(planes, InputPlanes.History + 3, 9, 6, 2));
        Assert.Equal(0, At(planes, InputPlanes.History + 3, 9, 0, 0)); // the fifth is beyond the history
    }

    [Theory]
    [InlineData(19, 0, 0, 0)]
    [InlineData(19, 18, 18, 360)]
    [InlineData(9, 3, 5, 48)]
    public void MoveIndicesAreRowMajorWithThePassLast(int size, int x, int y, int index)
    {
        Assert.Equal(index, InputPlanes.MoveIndex(new Move(Color.Black, new Point(x, y)), size));
        Assert.Equal(new Point(x, y), InputPlanes.PointOf(index, size));
        Assert.Equal(size * size, InputPlanes.MoveIndex(new Move(Color.White, Point.Pass), size));
        Assert.Equal(Point.Pass, InputPlanes.PointOf(size * size, size));
    }
}
