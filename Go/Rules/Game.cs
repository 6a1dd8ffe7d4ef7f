using OrleansGoRelay.Go.Scoring;

namespace OrleansGoRelay.Go.Rules;

/// <summary>
/// One game under a rule set: the board, whose turn it is, the moves, and how it ended (two passes, resignation).
/// This is what the cluster validates live moves with; replay of records uses <see cref="Board"/> directly.
/// </summary>
public sealed class Game
{
    private readonly List<Move> _moves = [];

    /// <summary>Starts a game; handicap stones (fixed or free) are placed for Black and White moves first.</summary>
    public Game(int size, RuleSet rules, double? komi = null, IReadOnlyList<Point>? handicap = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
        Board = new Board(size, rules.Ko, rules.SuicideAllowed);
        Handicap = handicap is { Count: > 0 } ? Go.Rules.Handicap.ValidateFree(size, handicap) : [];
        Komi = komi ?? (Handicap.Count > 0 ? 0.5 : rules.DefaultKomi);
        foreach (var point in Handicap)
        {
            Board.Setup(point, Stone.Black);
        }
        ToMove = Handicap.Count > 0 ? Color.White : Color.Black;
    }

    /// <summary>The rules.</summary>
    public RuleSet Rules { get; }

    /// <summary>The board.</summary>
    public Board Board { get; }

    /// <summary>Komi in points.</summary>
    public double Komi { get; }

    /// <summary>The handicap stones placed before the first move.</summary>
    public IReadOnlyList<Point> Handicap { get; }

    /// <summary>The player to move.</summary>
    public Color ToMove { get; private set; }

    /// <summary>The moves played.</summary>
    public IReadOnlyList<Move> Moves => _moves;

    /// <summary>Consecutive passes at the end of the move list.</summary>
    public int ConsecutivePasses { get; private set; }

    /// <summary>The result once decided by resignation or <see cref="Finish"/>; null while playing.</summary>
    public GameResult? Result { get; private set; }

    /// <summary>Whether two passes ended play (the result still needs counting with <see cref="Finish"/>).</summary>
    public bool PlayEnded => ConsecutivePasses >= 2 || Result is not null;

    /// <summary>Plays the next move; it must be the turn's player and legal.</summary>
    public MoveLegality Play(Move move)
    {
        if (PlayEnded)
        {
            throw new InvalidOperationException("The game is over.");
        }
        if (move.Player != ToMove)
        {
            throw new InvalidOperationException($"It is {ToMove}'s turn.");
        }
        var legality = Board.Play(move);
        if (legality != MoveLegality.Legal)
        {
            return legality;
        }
        _moves.Add(move);
        ConsecutivePasses = move.IsPass ? ConsecutivePasses + 1 : 0;
        ToMove = move.Player.Opponent();
        return legality;
    }

    /// <summary>A player resigns: the other wins <c>+R</c>.</summary>
    public GameResult Resign(Color player)
    {
        if (Result is not null)
        {
            throw new InvalidOperationException("The game is over.");
        }
        Result = GameResult.ByResignation(player.Opponent());
        return Result;
    }

    /// <summary>Counts the final position with the agreed dead stones and records the result.</summary>
    public Score Finish(IEnumerable<Point>? deadStones = null)
    {
        if (ConsecutivePasses < 2)
        {
            throw new InvalidOperationException("Play has not ended with two passes.");
        }
        var score = Scorer.Count(Board, Rules, Komi, deadStones);
        Result = score.Result;
        return score;
    }
}
