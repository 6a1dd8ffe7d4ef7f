using OrleansGoRelay.Go.Ratings;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Go.Records;

/// <summary>A stone put on the board by setup (SGF AB/AW/AE) before move <paramref name="BeforeMove"/> (0 = initial position).</summary>
public readonly record struct SetupStone(int BeforeMove, Point Point, Stone Stone);

/// <summary>Where a game's handicap stones came from.</summary>
public enum HandicapSetup
{
    /// <summary>The record places them (AB), or the game has no handicap.</summary>
    Recorded,
    /// <summary>Not in the record; the fixed points, which are the same whichever way the board is turned (2–5, 8, 9 stones).</summary>
    FixedPoints,
    /// <summary>Not in the record; of the two ways 6 or 7 stones can stand, the only one with which every move of the game is legal.</summary>
    DecidedByPlay,
    /// <summary>Not in the record, and the moves do not tell where they stood (both ways legal, or neither): kept out of training.</summary>
    Unknown,
}

/// <summary>A game as the cluster and the tools use it: the main line of an SGF tree, normalised.</summary>
/// <param name="Size">Board size.</param>
/// <param name="Komi">Komi in points (normalised: Fox's ×100 values divided out).</param>
/// <param name="Rules">The rules named by <c>RU</c>, or Japanese when it names none.</param>
/// <param name="Handicap">Handicap stones.</param>
/// <param name="Black">Black's name.</param>
/// <param name="White">White's name.</param>
/// <param name="BlackRank">Black's rank, when readable.</param>
/// <param name="WhiteRank">White's rank, when readable.</param>
/// <param name="Result">The recorded result.</param>
/// <param name="Date">The recorded date text.</param>
/// <param name="Setup">Setup stones: the initial position and any setup later in the main line.</param>
/// <param name="Moves">The main line's moves.</param>
public sealed record GameRecord(
    int Size, double Komi, RuleSet Rules, int Handicap, string? Black, string? White, Rank? BlackRank, Rank? WhiteRank,
    GameResult Result, string? Date, IReadOnlyList<SetupStone> Setup, Move[] Moves)
{
    /// <summary>Where the handicap stones came from (see <see cref="HandicapSetup"/>).</summary>
    public HandicapSetup HandicapSetup { get; init; } = HandicapSetup.Recorded;

    /// <summary>A board with the initial setup (setup later in the main line is applied by <see cref="GameReplayer"/>).</summary>
    public Board InitialBoard(KoRule? ko = null, bool? suicideAllowed = null)
    {
        var board = new Board(Size, ko ?? Rules.Ko, suicideAllowed ?? Rules.SuicideAllowed);
        foreach (var stone in Setup)
        {
            if (stone.BeforeMove == 0)
            {
                board.Setup(stone.Point, stone.Stone);
            }
        }
        return board;
    }
}

/// <summary>A game record could not be imported: which game and why.</summary>
public sealed class GameImportException : FormatException
{
    /// <summary>Creates the error.</summary>
    public GameImportException(int gameNumber, string reason) : base($"game {gameNumber}: {reason}")
    {
        GameNumber = gameNumber;
        Reason = reason;
    }

    /// <summary>Creates the error.</summary>
    public GameImportException() : this(0, "cannot import")
    {
    }

    /// <summary>Creates the error.</summary>
    public GameImportException(string message) : this(0, message)
    {
    }

    /// <summary>Creates the error.</summary>
    public GameImportException(string message, Exception innerException) : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>The game's number in its collection, from 1.</summary>
    public int GameNumber { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; } = "";
}
