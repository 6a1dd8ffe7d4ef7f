using System.Globalization;

namespace OrleansGoRelay.Go.Ratings;

/// <summary>Kyu, amateur dan or professional dan.</summary>
public enum RankKind
{
    /// <summary>Kyu (30k weakest .. 1k).</summary>
    Kyu,
    /// <summary>Amateur dan (1d .. 9d).</summary>
    Dan,
    /// <summary>Professional dan (1p .. 9p).</summary>
    Pro,
}

/// <summary>
/// A rank such as <c>3k</c>, <c>9d</c> or <c>1p</c>, on OGS's numeric scale: 30k = 0, 1k = 29, 1d = 30, 9d = 38.
/// Professional ranks sit above amateur 7d as OGS shows them: 1p = 37, 9p = 45.
/// </summary>
public readonly record struct Rank(RankKind Kind, int Level)
{
    /// <summary>The OGS rank number (30 = 1d).</summary>
    public double Value => Kind switch
    {
        RankKind.Kyu => 30 - Level,
        RankKind.Dan => 29 + Level,
        _ => 36 + Level,
    };

    /// <summary>The nearest rank to an OGS rank number (clamped to 30k..9p).</summary>
    public static Rank FromValue(double value)
    {
        var rounded = (int)Math.Round(value, MidpointRounding.AwayFromZero);
        return rounded switch
        {
            < 30 => new Rank(RankKind.Kyu, Math.Clamp(30 - rounded, 1, 30)),
            <= 38 => new Rank(RankKind.Dan, rounded - 29),
            _ => new Rank(RankKind.Pro, Math.Clamp(rounded - 36, 3, 9)),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Level.ToString(CultureInfo.InvariantCulture) + Kind switch
    {
        RankKind.Kyu => "k",
        RankKind.Dan => "d",
        _ => "p",
    };

    /// <summary>
    /// Reads the spellings in real records: <c>3k</c>, <c>9d</c>, <c>1p</c>, <c>3 kyu</c>, <c>9 dan</c>, <c>9段</c>,
    /// <c>P9段</c> (Fox: professional), <c>18级</c> (kyu), <c>初段</c> (1 dan), with trailing <c>?</c> or <c>*</c>
    /// (uncertain) ignored. Null for empty or unreadable values.
    /// </summary>
    public static Rank? Parse(string? text)
    {
        var value = (text ?? "").Trim().TrimEnd('?', '*', '+').Trim();
        if (value.Length == 0)
        {
            return null;
        }
        var pro = false;
        if (value[0] is 'P' or 'p' && value.Length > 1 && char.IsAsciiDigit(value[1]))
        {
            pro = true;
            value = value[1..];
        }
        if (value.StartsWith('初'))
        {
            value = "1" + value[1..];
        }
        var digits = 0;
        while (digits < value.Length && char.IsAsciiDigit(value[digits]))
        {
            digits++;
        }
        if (digits == 0 || !int.TryParse(value.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var level) || level < 1)
        {
            return null;
        }
        var unit = value[digits..].Trim().ToUpperInvariant();
        RankKind? kind = unit switch
        {
            "K" or "KYU" or "级" or "級" or "급" => RankKind.Kyu,
            "D" or "DAN" or "段" or "단" => pro ? RankKind.Pro : RankKind.Dan,
            "P" or "PRO" => RankKind.Pro,
            _ => null,
        };
        return kind switch
        {
            RankKind.Kyu when level <= 30 => new Rank(RankKind.Kyu, level),
            RankKind.Dan when level <= 9 => new Rank(RankKind.Dan, level),
            RankKind.Pro when level <= 9 => new Rank(RankKind.Pro, level),
            _ => null,
        };
    }
}
