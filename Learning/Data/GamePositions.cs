using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Data;

/// <summary>Turns a game record into the positions before each of its moves.</summary>
public static class GamePositions
{
    /// <summary>
    /// Every position of <paramref name="game"/> in order, encoded from the side to move's view, with the move played
    /// and the game's outcome for that side. A record whose move turns out illegal ends at that move.
    /// </summary>
    public static IEnumerable<TrainingPosition> Of(GameRecord game)
    {
        ArgumentNullException.ThrowIfNull(game);
        var hash = GameSplit.Hash(game);
        var (outcomeBlack, knownBlack) = OutcomeFor(game.Result, Color.Black);
        foreach (var position in Sequence(game))
        {
            if (position.Next is { } move)
            {
                var outcome = move.Player == Color.Black ? outcomeBlack : -outcomeBlack;
                yield return new TrainingPosition(game.Size, position.Planes, InputPlanes.MoveIndex(move, game.Size), outcome, knownBlack, position.MoveNumber + 1, hash);
            }
        }
    }

    /// <summary>
    /// The start and the position after each move, encoded for the side to move: the evaluation series of a game. The
    /// last position is the one after the last legal move (a record whose move turns out illegal ends before it).
    /// </summary>
    public static IEnumerable<EncodedPosition> Sequence(GameRecord game) => Sequence(game, atPosition: null);

    /// <summary>
    /// As <see cref="Sequence(GameRecord)"/>, calling <paramref name="atPosition"/> with the board and the player to
    /// move just before each position is yielded (for callers that need more of the position than its planes).
    /// </summary>
    public static IEnumerable<EncodedPosition> Sequence(GameRecord game, Action<Board, Color>? atPosition)
    {
        ArgumentNullException.ThrowIfNull(game);
        var board = game.InitialBoard();
        var size = game.Size;
        var setup = game.Setup;
        var nextSetup = 0;
        while (nextSetup < setup.Count && setup[nextSetup].BeforeMove == 0)
        {
            nextSetup++; // already on the initial board
        }
        var moves = game.Moves;
        var recent = new Move[InputPlanes.HistoryLength];
        // Who moves first: the record's first move says; a record without moves has White to move after handicap stones.
        var toMove = moves.Length > 0 ? moves[0].Player : game.Handicap > 1 ? Color.White : Color.Black;
        for (var i = 0; i <= moves.Length; i++)
        {
            while (i < moves.Length && nextSetup < setup.Count && setup[nextSetup].BeforeMove == i)
            {
                board.Setup(setup[nextSetup].Point, setup[nextSetup].Stone);
                nextSetup++;
            }
            var history = Math.Min(i, InputPlanes.HistoryLength);
            for (var h = 0; h < history; h++)
            {
                recent[h] = moves[i - 1 - h];
            }
            if (i < moves.Length)
            {
                toMove = moves[i].Player;
            }
            var planes = new byte[InputPlanes.Count * size * size];
            InputPlanes.Encode(board, toMove, recent.AsSpan(0, history), planes);
            atPosition?.Invoke(board, toMove);
            if (i == moves.Length)
            {
                yield return new EncodedPosition(planes, toMove, i, null);
                yield break;
            }
            var move = moves[i];
            if (move.IsPass)
            {
                board.Pass();
            }
            else if (!move.Point.IsOnBoard(size) || board.Play(move.Player, board.IndexOf(move.Point)) != MoveLegality.Legal)
            {
                yield return new EncodedPosition(planes, toMove, i, null);
                yield break;
            }
            yield return new EncodedPosition(planes, toMove, i, move);
            toMove = move.Player.Opponent();
        }
    }

    /// <summary>The result for <paramref name="player"/>: 1 a win, -1 a loss, 0 a draw; unknown for void or unfinished games.</summary>
    public static (float Outcome, bool Known) OutcomeFor(GameResult result, Color player)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result switch
        {
            { Kind: ResultKind.Draw } => (0f, true),
            { Winner: { } winner } => (winner == player ? 1f : -1f, true),
            _ => (0f, false),
        };
    }
}

/// <summary>One position of a game's sequence.</summary>
/// <param name="Planes">The input planes for <paramref name="ToMove"/> (<see cref="InputPlanes"/>).</param>
/// <param name="ToMove">The side to move.</param>
/// <param name="MoveNumber">Moves played before it (0: the start).</param>
/// <param name="Next">The move played from it, or null at the end (or before an illegal move).</param>
public sealed record EncodedPosition(byte[] Planes, Color ToMove, int MoveNumber, Move? Next);
