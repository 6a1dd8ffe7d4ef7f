namespace OrleansGoRelay.Go.Rules;

/// <summary>How the winner is counted.</summary>
public enum ScoringMethod
{
    /// <summary>Area: stones on the board plus surrounded empty points (Chinese, Tromp-Taylor).</summary>
    Area,
    /// <summary>Territory: surrounded empty points plus prisoners (Japanese).</summary>
    Territory,
}

/// <summary>Which board repetitions are forbidden.</summary>
public enum KoRule
{
    /// <summary>Only the immediate recapture of a single stone (basic ko) is forbidden.</summary>
    Simple,
    /// <summary>No move may recreate any earlier whole-board position, whoever is to move.</summary>
    PositionalSuperko,
}

/// <summary>A rule set: the choices in which the common rule sets differ.</summary>
/// <param name="Name">The name written to SGF <c>RU</c>.</param>
/// <param name="Scoring">Area or territory counting.</param>
/// <param name="Ko">Simple ko or positional superko.</param>
/// <param name="SuicideAllowed">Whether a move may remove its own (multi-stone) group; single-stone suicide always repeats the position, so superko forbids it.</param>
/// <param name="DefaultKomi">Komi for even games when a record names none.</param>
public sealed record RuleSet(string Name, ScoringMethod Scoring, KoRule Ko, bool SuicideAllowed, double DefaultKomi)
{
    /// <summary>Chinese rules: area counting, positional superko, no suicide, 7.5 komi.</summary>
    public static readonly RuleSet Chinese = new("Chinese", ScoringMethod.Area, KoRule.PositionalSuperko, SuicideAllowed: false, 7.5);

    /// <summary>Japanese rules: territory counting, simple ko, no suicide, 6.5 komi.</summary>
    public static readonly RuleSet Japanese = new("Japanese", ScoringMethod.Territory, KoRule.Simple, SuicideAllowed: false, 6.5);

    /// <summary>Tromp-Taylor: area counting of every stone on the board, positional superko, suicide allowed, 7.5 komi.</summary>
    public static readonly RuleSet TrompTaylor = new("Tromp-Taylor", ScoringMethod.Area, KoRule.PositionalSuperko, SuicideAllowed: true, 7.5);

    /// <summary>Finds a rule set by an SGF <c>RU</c> value (case-insensitive; <c>cn</c>, <c>jp</c>, <c>tt</c> and the names).</summary>
    public static RuleSet? FromName(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "CHINESE" or "CN" or "CHN" or "AGA" or "NZ" => Chinese,
        "JAPANESE" or "JP" or "JAPAN" or "KOREAN" or "KO" => Japanese,
        "TROMP-TAYLOR" or "TROMP TAYLOR" or "TROMPTAYLOR" or "TT" => TrompTaylor,
        _ => null,
    };
}
