using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Records;

/// <summary>An illegal move found in a record.</summary>
/// <param name="MoveNumber">Its number in the main line, from 1.</param>
/// <param name="Move">The move.</param>
/// <param name="Reason">Why it is illegal.</param>
public sealed record IllegalMove(int MoveNumber, Move Move, MoveLegality Reason);

/// <summary>What replaying one record found.</summary>
/// <param name="MovesPlayed">Moves played before the end or the first illegal move.</param>
/// <param name="Illegal">The first illegal move, when there is one (replay stops there: later moves would be read on a wrong position).</param>
public sealed record ReplayOutcome(int MovesPlayed, IllegalMove? Illegal);

/// <summary>
/// Replays records through the rules, reusing one board per size so that replaying many games allocates nothing
/// per move.
/// </summary>
public sealed class GameReplayer
{
    private readonly Dictionary<(int Size, KoRule Ko, bool Suicide), Board> _boards = [];

    /// <summary>Replays a record under its own rules, or under the given ones.</summary>
    public ReplayOutcome Replay(GameRecord record, RuleSet? rules = null) => Replay(record, rules, null);

    /// <summary>Replays a record; <paramref name="afterMove"/> sees the board after each move (move number from 1).</summary>
    public ReplayOutcome Replay(GameRecord record, RuleSet? rules, Action<Board, int>? afterMove)
    {
        ArgumentNullException.ThrowIfNull(record);
        var board = BoardFor(record, rules ?? record.Rules);
        var setup = record.Setup;
        var nextSetup = 0;
        while (nextSetup < setup.Count && setup[nextSetup].BeforeMove == 0)
        {
            board.Setup(setup[nextSetup].Point, setup[nextSetup].Stone);
            nextSetup++;
        }
        var moves = record.Moves;
        for (var i = 0; i < moves.Length; i++)
        {
            while (nextSetup < setup.Count && setup[nextSetup].BeforeMove == i)
            {
                board.Setup(setup[nextSetup].Point, setup[nextSetup].Stone);
                nextSetup++;
            }
            var move = moves[i];
            MoveLegality legality;
            if (move.IsPass)
            {
                board.Pass();
                legality = MoveLegality.Legal;
            }
            else
            {
                legality = move.Point.IsOnBoard(board.Size) ? board.Play(move.Player, board.IndexOf(move.Point)) : MoveLegality.OffBoard;
            }
            if (legality != MoveLegality.Legal)
            {
                return new ReplayOutcome(i, new IllegalMove(i + 1, move, legality));
            }
            afterMove?.Invoke(board, i + 1);
        }
        return new ReplayOutcome(moves.Length, null);
    }

    /// <summary>
    /// A copy of the board after move <paramref name="moveNumber"/> (0: the setup; past the record's end or its first
    /// illegal move: the last legal position).
    /// </summary>
    public Board BoardAfter(GameRecord record, int moveNumber)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (moveNumber <= 0)
        {
            return record.InitialBoard();
        }
        Board? wanted = null;
        Replay(record, null, (board, number) =>
        {
            if (number == moveNumber)
            {
                wanted = board.Clone();
            }
        });
        return wanted ?? LastBoard(record).Clone();
    }

    /// <summary>The final board of the last replay of this size and rules (valid until the next replay).</summary>
    public Board LastBoard(GameRecord record, RuleSet? rules = null) => BoardFor(record, rules ?? record.Rules, clear: false);

    private Board BoardFor(GameRecord record, RuleSet rules, bool clear = true)
    {
        var key = (record.Size, rules.Ko, rules.SuicideAllowed);
        if (!_boards.TryGetValue(key, out var board))
        {
            board = new Board(record.Size, rules.Ko, rules.SuicideAllowed);
            _boards[key] = board;
        }
        else if (clear)
        {
            board.Clear();
        }
        return board;
    }
}
