using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Scoring;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Learning.Engine;

/// <summary>How the engine passes and resigns.</summary>
/// <param name="ResignBelow">Resign when the value for the side to move stays under this (−1..1) for <paramref name="ResignAfter"/> moves in a row; −1 never resigns.</param>
/// <param name="ResignAfter">Consecutive hopeless evaluations before resigning.</param>
/// <param name="ResignBehindShare">Also hopeless, in the second half of the game: the area count (every stone alive) behind by more than this share of the board.</param>
public sealed record EngineOptions(double ResignBelow = -0.95, int ResignAfter = 3, double ResignBehindShare = 0.25);

/// <summary>
/// A Go engine that plays the policy's best legal move: no search, one network evaluation per move. It never fills its
/// own eye, passes when the policy prefers passing late in the game, when no other move remains, or when the opponent
/// has passed and counting already favours it, and resigns when its position has been hopeless for a few moves in a
/// row (the value head below the threshold, or in the second half of the game the count far behind; never in the
/// first third of the game).
/// </summary>
public sealed class PolicyEngine
{
    private readonly OnnxMovePredictor _model;
    private readonly EngineOptions _options;
    private readonly List<Move> _moves = [];
    private readonly Dictionary<Color, int> _hopeless = new() { [Color.Black] = 0, [Color.White] = 0 };

    public PolicyEngine(OnnxMovePredictor model, EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new EngineOptions();
        Board = new Board(model.BoardSize);
    }

    /// <summary>The board size (the model's).</summary>
    public int Size => _model.BoardSize;

    /// <summary>Komi, for counting.</summary>
    public double Komi { get; set; } = 7.5;

    /// <summary>The current position.</summary>
    public Board Board { get; private set; }

    /// <summary>The moves so far.</summary>
    public IReadOnlyList<Move> Moves => _moves;

    /// <summary>An empty board.</summary>
    public void Clear()
    {
        Board = new Board(Size);
        _moves.Clear();
        _hopeless[Color.Black] = _hopeless[Color.White] = 0;
    }

    /// <summary>Plays a move if it is legal; returns why not otherwise (the position is unchanged then).</summary>
    public MoveLegality Play(Move move)
    {
        if (move.IsPass)
        {
            Board.Pass();
            _moves.Add(move);
            return MoveLegality.Legal;
        }
        if (!move.Point.IsOnBoard(Size))
        {
            return MoveLegality.OffBoard;
        }
        var legality = Board.Play(move.Player, Board.IndexOf(move.Point));
        if (legality == MoveLegality.Legal)
        {
            _moves.Add(move);
        }
        return legality;
    }

    /// <summary>Takes back the last move (replaying the rest); false when there is none.</summary>
    public bool Undo()
    {
        if (_moves.Count == 0)
        {
            return false;
        }
        var kept = _moves.Take(_moves.Count - 1).ToList();
        Clear();
        foreach (var move in kept)
        {
            Play(move);
        }
        return true;
    }

    /// <summary>Area count of the current position (every stone alive), black minus white, komi included.</summary>
    public Score Count() => Scorer.Count(Board, RuleSet.Chinese, Komi);

    /// <summary>Chooses a move for <paramref name="player"/> and plays it; null means it resigns.</summary>
    public Move? GenerateMove(Color player)
    {
        var area = Size * Size;
        var planes = new byte[InputPlanes.Count * area];
        var recent = Enumerable.Reverse(_moves).Take(InputPlanes.HistoryLength).ToArray();
        InputPlanes.Encode(Board, player, recent, planes);
        var input = new float[planes.Length];
        InputPlanes.ToFloats(planes, input);
        var prediction = _model.Predict(input, 1)[0];

        // A small value head rarely reaches the extremes even in a lost game, so a count far behind late in the game is
        // hopeless too (counting every stone alive only flatters the side whose dead stones are still on the board).
        var lead = Count().Margin * (player == Color.Black ? 1 : -1);
        var hopeless = prediction.Value < _options.ResignBelow
            || (_options.ResignBelow > -1 && _moves.Count > area / 2 && lead < -_options.ResignBehindShare * area);
        _hopeless[player] = hopeless ? _hopeless[player] + 1 : 0;
        if (_hopeless[player] >= _options.ResignAfter && _moves.Count > area / 3)
        {
            return null;
        }
        var logits = prediction.Policy;
        var best = -1;
        foreach (var index in Enumerable.Range(0, area).OrderByDescending(i => logits[i]))
        {
            var boardIndex = Board.IndexOf(InputPlanes.PointOf(index, Size));
            if (Board.Check(player, boardIndex) == MoveLegality.Legal && !Board.IsEyeLike(player, boardIndex))
            {
                best = index;
                break;
            }
        }
        var opponentPassed = _moves.Count > 0 && _moves[^1].IsPass;
        var pass = best < 0
            || (logits[area] >= logits[best] && _moves.Count >= area / 2)
            || (opponentPassed && lead > 0);
        var move = new Move(player, pass ? Point.Pass : InputPlanes.PointOf(best, Size));
        Play(move);
        return move;
    }
}
