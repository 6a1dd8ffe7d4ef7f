using OrleansGoRelay.Go.Ratings;
using OrleansGoRelay.Go.Records;

namespace OrleansGoRelay.Go.Analysis;

/// <summary>What a game is known to be from its record alone, to calibrate and check the classification against.</summary>
public enum ReferenceGroup
{
    /// <summary>A handicap game between a professional and an amateur: the natural teaching game.</summary>
    ProAmateurHandicap,
    /// <summary>An even game (no handicap, rating differential under the dogfight limit) whose lead changed hands.</summary>
    EvenWithLeadChange,
    /// <summary>An even game whose lead never changed hands.</summary>
    EvenSteady,
    /// <summary>Anything else (other handicap games, missing ranks, large differentials without handicap).</summary>
    Other,
}

/// <summary>One analysed game, as calibration sees it.</summary>
/// <param name="Group">Its reference group.</param>
/// <param name="Differential">The rating differential, or null.</param>
/// <param name="Variance">The swing variance.</param>
public sealed record CalibrationGame(ReferenceGroup Group, double? Differential, double Variance)
{
    /// <summary>An analysed game, grouped by <see cref="ClassificationCalibration.GroupOf"/>.</summary>
    public static CalibrationGame Of(GameRecord record, GameAnalysis analysis, ClassificationThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        return new(ClassificationCalibration.GroupOf(record, analysis, thresholds), analysis.RatingDifferential, analysis.SwingVariance);
    }
}

/// <summary>The classes given to each reference group.</summary>
/// <param name="Counts">Per group, per class, games.</param>
public sealed record ConfusionTable(IReadOnlyDictionary<ReferenceGroup, IReadOnlyDictionary<GameClass, int>> Counts)
{
    /// <summary>The share of a group given a class (0 for an empty group).</summary>
    public double Share(ReferenceGroup group, GameClass gameClass)
    {
        var row = Counts[group];
        var total = row.Values.Sum();
        return total == 0 ? 0 : (double)row[gameClass] / total;
    }
}

/// <summary>
/// Calibrates an evaluator's <see cref="ClassificationThresholds"/> on real games.
/// <para>Teaching: the variance line is the <see cref="TeachingShare"/>-quantile of the swing variance of
/// professional-versus-amateur handicap games (the design asks that at least 90 % of them be teaching games; the
/// quantile sits a little above it so a collection like the calibration one meets it, not just the calibration games).</para>
/// <para>Dogfight: the variance line that best separates even games whose lead changed hands from even games whose
/// lead never did (the largest TPR − FPR, Youden's J), so the dogfights are the even games with the large swings.</para>
/// </summary>
/// <param name="TeachingShare">The share of pro-versus-amateur handicap games under the teaching variance line.</param>
public sealed record ClassificationCalibration(double TeachingShare = 0.93)
{
    /// <summary>The reference group of an analysed game.</summary>
    public static ReferenceGroup GroupOf(GameRecord record, GameAnalysis analysis, ClassificationThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(thresholds);
        bool IsPro(Rank? rank) => rank is { Kind: RankKind.Pro };
        if (record.Handicap >= 2 && record.BlackRank is not null && record.WhiteRank is not null && IsPro(record.BlackRank) != IsPro(record.WhiteRank))
        {
            return ReferenceGroup.ProAmateurHandicap;
        }
        if (record.Handicap < 2 && analysis.RatingDifferential is { } d && d < thresholds.DogfightMaxDifferential)
        {
            return analysis.LeadChanges > 0 ? ReferenceGroup.EvenWithLeadChange : ReferenceGroup.EvenSteady;
        }
        return ReferenceGroup.Other;
    }

    /// <summary>Thresholds calibrated on <paramref name="games"/>, starting from <paramref name="current"/> (its differentials and lead band stay).</summary>
    public ClassificationThresholds Calibrate(IReadOnlyList<CalibrationGame> games, ClassificationThresholds current)
    {
        ArgumentNullException.ThrowIfNull(games);
        ArgumentNullException.ThrowIfNull(current);
        var teaching = games.Where(g => g.Group == ReferenceGroup.ProAmateurHandicap).Select(g => g.Variance).Order().ToList();
        var teachingLine = teaching.Count == 0 ? current.TeachingMaxVariance : Quantile(teaching, TeachingShare);
        var changed = games.Where(g => g.Group == ReferenceGroup.EvenWithLeadChange).Select(g => g.Variance).ToList();
        var steady = games.Where(g => g.Group == ReferenceGroup.EvenSteady).Select(g => g.Variance).ToList();
        var dogfightLine = current.DogfightMinVariance;
        if (changed.Count > 0 && steady.Count > 0)
        {
            var best = double.NegativeInfinity;
            foreach (var candidate in changed.Concat(steady).Distinct().Order())
            {
                var j = changed.Count(v => v > candidate) / (double)changed.Count - steady.Count(v => v > candidate) / (double)steady.Count;
                if (j > best)
                {
                    (best, dogfightLine) = (j, candidate);
                }
            }
        }
        return current with { TeachingMaxVariance = teachingLine, DogfightMinVariance = dogfightLine };
    }

    /// <summary>The classes <paramref name="thresholds"/> give each reference group.</summary>
    public static ConfusionTable Confusion(IEnumerable<CalibrationGame> games, ClassificationThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(games);
        ArgumentNullException.ThrowIfNull(thresholds);
        var counts = Enum.GetValues<ReferenceGroup>().ToDictionary(g => g, _ => Enum.GetValues<GameClass>().ToDictionary(c => c, _ => 0));
        foreach (var game in games)
        {
            counts[game.Group][thresholds.Classify(game.Differential, game.Variance)]++;
        }
        return new ConfusionTable(counts.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<GameClass, int>)kv.Value));
    }

    /// <summary>The <paramref name="q"/>-quantile of sorted values (linear between neighbours).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var at = q * (sorted.Count - 1);
        var low = (int)Math.Floor(at);
        var high = Math.Min(sorted.Count - 1, low + 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
    }
}
