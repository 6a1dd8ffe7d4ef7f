using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Playouts;

/// <summary>
/// Light random playouts: from a position, both players play uniformly random legal moves that do not fill one of
/// their own eye-like points, until two passes (or a move cap of three times the board's points), and the final
/// position is counted Tromp-Taylor style (stones plus empty points that touch only one colour). The working board
/// keeps the rules of the start position (superko included); it is reused, so a playout allocates nothing.
/// </summary>
public sealed class LightPlayout
{
    private readonly Board _board;
    private ulong _random;

    /// <summary>Creates a playout runner for boards of a size and rules.</summary>
    public LightPlayout(int size, KoRule ko = KoRule.PositionalSuperko, bool suicideAllowed = false, ulong seed = 0x853C49E6748FEA9BUL)
    {
        _board = new Board(size, ko, suicideAllowed);
        _random = seed == 0 ? 1 : seed;
    }

    /// <summary>The board after the last playout.</summary>
    public Board Board => _board;

    /// <summary>Plays one playout from the start position; returns Black's area margin minus komi and the moves played.</summary>
    public (double BlackMargin, int Moves) Run(Board start, Color toMove, double komi)
    {
        ArgumentNullException.ThrowIfNull(start);
        _board.CopyFrom(start);
        return Play(toMove, komi);
    }

    /// <summary>Plays one playout from the empty board.</summary>
    public (double BlackMargin, int Moves) RunFromEmpty(double komi)
    {
        _board.Clear();
        return Play(Color.Black, komi);
    }

    private (double, int) Play(Color toMove, double komi)
    {
        var board = _board;
        var cap = 3 * board.Size * board.Size;
        var passes = 0;
        var moves = 0;
        var player = toMove;
        while (passes < 2 && moves < cap)
        {
            if (PlayRandom(player))
            {
                passes = 0;
            }
            else
            {
                board.Pass();
                passes++;
            }
            moves++;
            player = player.Opponent();
        }
        return (AreaMargin(board) - komi, moves);
    }

    private bool PlayRandom(Color player) => PlayRandom(_board, player, (uint)Next()) >= 0;

    /// <summary>
    /// Plays a uniformly started scan's first legal move for <paramref name="player"/> that does not fill its own
    /// eye; returns the board index played, or -1 when there is none (the player should pass).
    /// </summary>
    public static int PlayRandom(Board board, Color player, uint random)
    {
        ArgumentNullException.ThrowIfNull(board);
        var empties = board.Empties;
        var count = empties.Length;
        if (count == 0)
        {
            return -1;
        }
        var start = (int)(random % (uint)count);
        for (var k = 0; k < count; k++)
        {
            var i = start + k;
            if (i >= count)
            {
                i -= count;
            }
            var point = empties[i];
            if (board.IsEyeLike(player, point))
            {
                continue;
            }
            // Play leaves the board untouched when the move is illegal.
            if (board.Play(player, point) == MoveLegality.Legal)
            {
                return point;
            }
        }
        return -1;
    }

    private static int AreaMargin(Board board)
    {
        var margin = 0;
        var stride = board.Stride;
        foreach (var index in board.Indices())
        {
            var s = board[index];
            if (s == Stone.Black)
            {
                margin++;
            }
            else if (s == Stone.White)
            {
                margin--;
            }
            else
            {
                var touches = Touch(board[index - 1]) | Touch(board[index + 1]) | Touch(board[index - stride]) | Touch(board[index + stride]);
                margin += touches == 1 ? 1 : touches == 2 ? -1 : 0;
            }
        }
        return margin;
    }

    private static int Touch(Stone s) => s switch { Stone.Black => 1, Stone.White => 2, _ => 0 };

    private ulong Next()
    {
        // xorshift64*: fast and good enough to pick random moves.
        var x = _random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _random = x;
        return (x * 0x2545F4914F6CDD1DUL) >> 32;
    }
}
