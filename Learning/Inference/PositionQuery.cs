using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>A position the model cannot be asked about, with a stable code (the API's problem <c>code</c>).</summary>
public sealed class PositionRefusedException(string code, string message) : Exception(message)
{
    public PositionRefusedException() : this("invalid_position", "The position is not valid.")
    {
    }

    public PositionRefusedException(string message, Exception innerException) : this("invalid_position", message) => _ = innerException;

    /// <summary>Machine-readable reason.</summary>
    public string Code { get; } = code;
}

/// <summary>
/// A position built from a <see cref="PredictRequest"/>, checked as the rules check a game: every vertex on the board,
/// setup stones on distinct empty points and none without liberties, each move legal for the player whose turn it is
/// (colours alternate so that <see cref="PredictRequest.ToPlay"/> moves next), and sizes bounded, so the model is only
/// ever asked about positions that can occur and only ever suggests a legal move.
/// </summary>
public sealed class PositionQuery
{
    /// <summary>The most setup stones plus moves a request may carry.</summary>
    public const int MaxMoves = 1_000;

    private PositionQuery(Board board, Color toMove, Move[] moves)
    {
        Board = board;
        ToMove = toMove;
        Moves = moves;
    }

    /// <summary>The position.</summary>
    public Board Board { get; }

    /// <summary>Who moves.</summary>
    public Color ToMove { get; }

    /// <summary>The moves played on it, in order.</summary>
    public IReadOnlyList<Move> Moves { get; }

    /// <summary>Builds and checks the position for a model of <paramref name="modelSize"/>.</summary>
    /// <exception cref="PositionRefusedException">The request does not describe a legal position (code and reason).</exception>
    public static PositionQuery From(PredictRequest request, int modelSize)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Size != modelSize)
        {
            throw new PositionRefusedException("wrong_board_size", $"The model plays {modelSize}x{modelSize}; the position is {request.Size}x{request.Size}.");
        }
        var toMove = request.ToPlay?.Trim().ToUpperInvariant() switch
        {
            "B" or "BLACK" => Color.Black,
            "W" or "WHITE" => Color.White,
            _ => throw new PositionRefusedException("invalid_to_play", "toPlay is B or W."),
        };
        var black = request.Setup?.Black ?? [];
        var white = request.Setup?.White ?? [];
        var moves = request.Moves ?? [];
        if (black.Count + white.Count + moves.Count > MaxMoves)
        {
            throw new PositionRefusedException("too_many_moves", $"A position has at most {MaxMoves} setup stones and moves in all.");
        }
        var board = new Board(request.Size);
        foreach (var (stones, stone, name) in new[] { (black, Stone.Black, "setup.black"), (white, Stone.White, "setup.white") })
        {
            for (var i = 0; i < stones.Count; i++)
            {
                var point = Parse(stones[i], request.Size, $"{name}[{i}]");
                if (point.IsPass)
                {
                    throw new PositionRefusedException("invalid_vertex", $"{name}[{i}] is a pass, not a point.");
                }
                if (board[point] != Stone.Empty)
                {
                    throw new PositionRefusedException("occupied_point", $"{name}[{i}] ({stones[i]}) is already occupied.");
                }
                board.Setup(point, stone);
            }
        }
        for (var index = board.FirstIndex; index < board.EndIndex; index++)
        {
            if (board[index] is Stone.Black or Stone.White && board.LibertiesOf(index) == 0)
            {
                throw new PositionRefusedException("illegal_setup", $"The setup stone at {board.PointOf(index).ToGtp(request.Size)} has no liberty.");
            }
        }
        var played = new Move[moves.Count];
        var player = moves.Count % 2 == 0 ? toMove : toMove.Opponent();
        for (var i = 0; i < moves.Count; i++)
        {
            var move = new Move(player, Parse(moves[i], request.Size, $"moves[{i}]"));
            var legality = board.Play(move);
            if (legality != MoveLegality.Legal)
            {
                throw new PositionRefusedException("illegal_move", $"moves[{i}] ({moves[i]}, {(player == Color.Black ? "B" : "W")}) is illegal: {legality.ToString().ToLowerInvariant()}.");
            }
            played[i] = move;
            player = player.Opponent();
        }
        return new PositionQuery(board, toMove, played);
    }

    /// <summary>The model's input for this position.</summary>
    public float[] Planes()
    {
        var size = Board.Size;
        var bytes = new byte[InputPlanes.Count * size * size];
        var recent = Moves.Reverse().Take(InputPlanes.HistoryLength).ToArray();
        InputPlanes.Encode(Board, ToMove, recent, bytes);
        var floats = new float[bytes.Length];
        InputPlanes.ToFloats(bytes, floats);
        return floats;
    }

    /// <summary>
    /// The prediction restricted to the legal moves (pass always is): a softmax over their logits, best first, the
    /// first <paramref name="topK"/> of them, and the value as the mover's win probability.
    /// </summary>
    public (IReadOnlyList<MoveProbability> Moves, double WinProbability) Answer(MovePrediction prediction, int topK)
    {
        var ranked = LegalDistribution(prediction).OrderByDescending(m => m.Probability).Take(Math.Clamp(topK, 1, 20)).ToList();
        return (ranked, Math.Clamp((prediction.Value + 1) / 2, 0, 1));
    }

    /// <summary>The probability <paramref name="prediction"/> gives <paramref name="move"/> among the legal moves (0 when it is not legal).</summary>
    public double ProbabilityOf(MovePrediction prediction, string move) =>
        LegalDistribution(prediction).FirstOrDefault(m => m.Move == move)?.Probability ?? 0;

    /// <summary>The softmax of the policy over the legal moves (pass always is one).</summary>
    private IReadOnlyList<MoveProbability> LegalDistribution(MovePrediction prediction) => LegalPolicy.Distribution(Board, ToMove, prediction);

    private static Point Parse(string? vertex, int size, string where)
    {
        try
        {
            return Point.FromGtp(vertex ?? "", size);
        }
        catch (FormatException e)
        {
            throw new PositionRefusedException("invalid_vertex", $"{where}: {e.Message}.");
        }
    }
}
