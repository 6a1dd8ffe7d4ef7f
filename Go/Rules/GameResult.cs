using System.Globalization;

namespace OrleansGoRelay.Go.Rules;

/// <summary>How a game ended.</summary>
public enum ResultKind
{
    /// <summary>Counted; <see cref="GameResult.Margin"/> holds the difference.</summary>
    Score,
    /// <summary>A player resigned.</summary>
    Resignation,
    /// <summary>A player ran out of time.</summary>
    Time,
    /// <summary>A player forfeited.</summary>
    Forfeit,
    /// <summary>A draw (jigo).</summary>
    Draw,
    /// <summary>No result (the game was voided).</summary>
    Void,
    /// <summary>Unknown or not finished.</summary>
    Unknown,
}

/// <summary>A game's result as SGF <c>RE</c> writes it.</summary>
/// <param name="Kind">How it ended.</param>
/// <param name="Winner">The winner, when there is one.</param>
/// <param name="Margin">The counted margin in points, for <see cref="ResultKind.Score"/> (null when the record omits it: <c>B+</c>).</param>
public sealed record GameResult(ResultKind Kind, Color? Winner, double? Margin)
{
    /// <summary>An unknown result (<c>?</c>).</summary>
    public static readonly GameResult Unknown = new(ResultKind.Unknown, null, null);

    /// <summary>A draw (<c>0</c>).</summary>
    public static readonly GameResult Draw = new(ResultKind.Draw, null, 0);

    /// <summary>A voided game (<c>Void</c>).</summary>
    public static readonly GameResult Void = new(ResultKind.Void, null, null);

    /// <summary>A win by resignation.</summary>
    public static GameResult ByResignation(Color winner) => new(ResultKind.Resignation, winner, null);

    /// <summary>A win on time.</summary>
    public static GameResult OnTime(Color winner) => new(ResultKind.Time, winner, null);

    /// <summary>A counted result from Black's margin (komi included); zero is a draw.</summary>
    public static GameResult ByScore(double blackMargin) => blackMargin == 0
        ? Draw
        : new(ResultKind.Score, blackMargin > 0 ? Color.Black : Color.White, Math.Abs(blackMargin));

    /// <summary>The SGF text: <c>B+R</c>, <c>W+3.5</c>, <c>B+T</c>, <c>B+F</c>, <c>0</c>, <c>Void</c>, <c>?</c>.</summary>
    public override string ToString() => Kind switch
    {
        ResultKind.Draw => "0",
        ResultKind.Void => "Void",
        ResultKind.Unknown => "?",
        _ => $"{Winner!.Value.ToLetter()}+{Kind switch
        {
            ResultKind.Resignation => "R",
            ResultKind.Time => "T",
            ResultKind.Forfeit => "F",
            _ => Margin is { } m ? m.ToString("0.##", CultureInfo.InvariantCulture) : "",
        }}",
    };

    /// <summary>Reads an SGF <c>RE</c> value, tolerating the spellings found in real records; anything else is unknown.</summary>
    public static GameResult Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0 || value == "?")
        {
            return Unknown;
        }
        var upper = value.ToUpperInvariant();
        if (upper is "0" or "DRAW" or "JIGO" or "D" or "=")
        {
            return Draw;
        }
        if (upper.StartsWith("VOID", StringComparison.Ordinal))
        {
            return Void;
        }
        if (upper.Length < 2 || (upper[0] != 'B' && upper[0] != 'W') || upper[1] != '+')
        {
            return Unknown;
        }
        var winner = upper[0] == 'B' ? Color.Black : Color.White;
        var rest = upper[2..].Trim();
        if (rest.Length == 0)
        {
            return new GameResult(ResultKind.Score, winner, null);
        }
        if (rest[0] == 'R')
        {
            return ByResignation(winner);
        }
        if (rest[0] == 'T')
        {
            return OnTime(winner);
        }
        if (rest[0] == 'F')
        {
            return new GameResult(ResultKind.Forfeit, winner, null);
        }
        return double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var margin) && margin >= 0
            ? margin == 0 ? Draw : new GameResult(ResultKind.Score, winner, margin)
            : Unknown;
    }
}
