using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Learning.Features;

/// <summary>
/// The network's input: <see cref="Count"/> planes of size × size, always from the side to move's point of view, so one
/// net plays both colours. This is the one place the planes are defined; training, evaluation, the ONNX graph and the
/// engine all encode through <see cref="Encode"/>.
/// </summary>
/// <remarks>
/// Planes, in order (1 where the condition holds, else 0):
/// <list type="number">
/// <item>0: a stone of the side to move; 1: an opponent stone; 2: empty.</item>
/// <item>3, 4, 5: the side to move's chains with 1, 2, 3 or more liberties (Clark and Storkey found liberties the most useful feature after stones).</item>
/// <item>6, 7, 8: the same for the opponent's chains.</item>
/// <item>9: the point the side to move may not play because of a simple ko.</item>
/// <item>10–13: the last four moves, most recent first (plane 10 is the opponent's last move; a pass leaves its plane empty).</item>
/// <item>14: points where the side to move may legally play (not occupied, not suicide, not the ko point).</item>
/// <item>15: every point when the side to move is black (komi and tempo differ by colour).</item>
/// <item>16: every point (lets the convolutions tell the board's edge from zero padding).</item>
/// </list>
/// </remarks>
public static class InputPlanes
{
    /// <summary>The number of planes.</summary>
    public const int Count = 17;

    /// <summary>How many previous moves have planes.</summary>
    public const int HistoryLength = 4;

    public const int OwnStones = 0;
    public const int OpponentStones = 1;
    public const int Empty = 2;
    public const int OwnLiberties = 3;
    public const int OpponentLiberties = 6;
    public const int KoPoint = 9;
    public const int History = 10;
    public const int Legal = 14;
    public const int BlackToMove = 15;
    public const int OnBoard = 16;

    /// <summary>
    /// Writes the planes for <paramref name="board"/> with <paramref name="toMove"/> to play into <paramref name="planes"/>
    /// (<see cref="Count"/> × size², plane-major, point index y × size + x; bytes, 0 or 1).
    /// </summary>
    /// <param name="board">The position.</param>
    /// <param name="toMove">The side to move.</param>
    /// <param name="recentMoves">Previous moves, most recent first (up to <see cref="HistoryLength"/> are used).</param>
    /// <param name="planes">Where the planes go.</param>
    public static void Encode(Board board, Color toMove, ReadOnlySpan<Move> recentMoves, Span<byte> planes)
    {
        ArgumentNullException.ThrowIfNull(board);
        var size = board.Size;
        var area = size * size;
        if (planes.Length < Count * area)
        {
            throw new ArgumentException($"{Count} planes of {area} points need {Count * area} bytes.", nameof(planes));
        }
        planes[..(Count * area)].Clear();
        var own = toMove == Color.Black ? Stone.Black : Stone.White;
        Span<int> libertiesByChain = stackalloc int[Board.IndexCount(Board.MaxSize)];
        libertiesByChain.Clear();
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var point = y * size + x;
                var index = board.IndexOf(new Point(x, y));
                var stone = board[index];
                planes[OnBoard * area + point] = 1;
                if (toMove == Color.Black)
                {
                    planes[BlackToMove * area + point] = 1;
                }
                if (stone == Stone.Empty)
                {
                    planes[Empty * area + point] = 1;
                    if (board.Check(toMove, index) == MoveLegality.Legal)
                    {
                        planes[Legal * area + point] = 1;
                    }
                    continue;
                }
                var chain = board.ChainOf(index);
                if (libertiesByChain[chain] == 0)
                {
                    libertiesByChain[chain] = board.LibertiesOf(index);
                }
                var liberties = Math.Min(libertiesByChain[chain], 3);
                var mine = stone == own;
                planes[(mine ? OwnStones : OpponentStones) * area + point] = 1;
                planes[((mine ? OwnLiberties : OpponentLiberties) + liberties - 1) * area + point] = 1;
            }
        }
        if (board.KoPoint >= 0 && board.KoPlayer == toMove)
        {
            var ko = board.PointOf(board.KoPoint);
            planes[KoPoint * area + ko.Y * size + ko.X] = 1;
        }
        for (var i = 0; i < Math.Min(HistoryLength, recentMoves.Length); i++)
        {
            var move = recentMoves[i];
            if (!move.IsPass && move.Point.IsOnBoard(size))
            {
                planes[(History + i) * area + move.Point.Y * size + move.Point.X] = 1;
            }
        }
    }

    /// <summary>Planes as the network reads them: each byte as a float, into <paramref name="destination"/>.</summary>
    public static void ToFloats(ReadOnlySpan<byte> planes, Span<float> destination)
    {
        for (var i = 0; i < planes.Length; i++)
        {
            destination[i] = planes[i];
        }
    }

    /// <summary>The policy's index of a move: y × size + x, or size² for a pass.</summary>
    public static int MoveIndex(Move move, int size) => move.IsPass ? size * size : move.Point.Y * size + move.Point.X;

    /// <summary>The point of a policy index (<see cref="Point.Pass"/> for size²).</summary>
    public static Point PointOf(int moveIndex, int size) => moveIndex == size * size ? Point.Pass : new Point(moveIndex % size, moveIndex / size);
}
