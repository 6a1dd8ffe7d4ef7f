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
        for (var i = 0; i < moves.Length; i++)
        {
            while (nextSetup < setup.Count && setup[nextSetup].BeforeMove == i)
            {
                board.Setup(setup[nextSetup].Point, setup[nextSetup].Stone);
                nextSetup++;
            }
            var move = moves[i];
            var history = Math.Min(i, InputPlanes.HistoryLength);
            for (var h = 0; h < history; h++)
            {
                recent[h] = moves[i - 1 - h];
            }
            var planes = new byte[InputPlanes.Count * size * size];
            InputPlanes.Encode(board, move.Player, recent.AsSpan(0, history), planes);
            var (outcome, known) = OutcomeFor(game.Result, move.Player);
            if (move.IsPass)
            {
                board.Pass();
            }
            else if (!move.Point.IsOnBoard(size) || board.Play(move.Player, board.IndexOf(move.Point)) != MoveLegality.Legal)
            {
                yield break;
            }
            yield return new TrainingPosition(size, planes, InputPlanes.MoveIndex(move, size), outcome, known, i + 1, hash);
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
