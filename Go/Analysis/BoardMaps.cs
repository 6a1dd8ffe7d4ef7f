using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Analysis;

/// <summary>What a board map shows.</summary>
public enum BoardMapKind
{
    /// <summary>Where and when the game was played: each point holds the number of the move that first took it.</summary>
    Moves,
    /// <summary>Who the position favours where: the influence estimate's ownership, +1 Black's … −1 White's.</summary>
    Influence,
}

/// <summary>A value per board point over a position, for a picture.</summary>
/// <param name="Kind">What the values are.</param>
/// <param name="Board">The position drawn under the values (after <paramref name="MoveNumber"/>).</param>
/// <param name="MoveNumber">The moves the position has.</param>
/// <param name="Values">Row-major from the top row (SGF order): the value at each point, NaN where there is none.</param>
/// <param name="Minimum">The colour scale's low end.</param>
/// <param name="Maximum">The colour scale's high end.</param>
/// <param name="ScaleLabel">What the colour scale measures.</param>
public sealed record BoardMap(BoardMapKind Kind, Board Board, int MoveNumber, double[] Values, double Minimum, double Maximum, string ScaleLabel)
{
    /// <summary>The value at a point.</summary>
    public double this[Point point] => Values[point.Y * Board.Size + point.X];
}

/// <summary>The maps the heatmap pictures draw, from a record.</summary>
public static class BoardMaps
{
    /// <summary>The map of <paramref name="kind"/> after <paramref name="moveNumber"/> moves (null or past the end: the whole game, up to its first illegal move).</summary>
    public static BoardMap Of(GameRecord record, BoardMapKind kind, int? moveNumber = null) => kind switch
    {
        BoardMapKind.Moves => Moves(record, moveNumber),
        _ => Influence(record, moveNumber),
    };

    /// <summary>Each point coloured by the number of the move that first took it (NaN for points never played), over the final (or the given) position.</summary>
    public static BoardMap Moves(GameRecord record, int? moveNumber = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var size = record.Size;
        var values = Enumerable.Repeat(double.NaN, size * size).ToArray();
        var limit = Limit(record, moveNumber);
        var played = 0;
        foreach (var move in record.Moves.Take(limit))
        {
            played++;
            if (!move.IsPass && move.Point.IsOnBoard(size) && double.IsNaN(values[move.Point.Y * size + move.Point.X]))
            {
                values[move.Point.Y * size + move.Point.X] = played;
            }
        }
        var board = new GameReplayer().BoardAfter(record, limit);
        return new BoardMap(BoardMapKind.Moves, board, limit, values, 1, Math.Max(2, limit), "move number that first took the point");
    }

    /// <summary>The influence estimate's ownership (<see cref="InfluenceEvaluator"/>) of the position after the given move (default: the last).</summary>
    public static BoardMap Influence(GameRecord record, int? moveNumber = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var limit = Limit(record, moveNumber);
        var board = new GameReplayer().BoardAfter(record, limit);
        var ownership = InfluenceEvaluator.Evaluate(board, record.Komi).Ownership;
        return new BoardMap(BoardMapKind.Influence, board, limit, ownership, -1, 1, "ownership: +1 Black's, -1 White's");
    }

    // The legal moves the map may cover: up to the first illegal move, and no further than asked.
    private static int Limit(GameRecord record, int? moveNumber)
    {
        var legal = new GameReplayer().Replay(record).MovesPlayed;
        return moveNumber is { } n ? Math.Clamp(n, 0, legal) : legal;
    }
}
