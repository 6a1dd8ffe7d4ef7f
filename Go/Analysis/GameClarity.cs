namespace OrleansGoRelay.Go.Analysis;

/// <summary>
/// How clearly a game is what its class says: the clarity term of a game's reward (reward = base × (rarity × 1.5 +
/// clarity × 1.2 + model impact × 3.0)), in basis points (0..10,000).
/// <para>A class is two lines crossed at once (<see cref="ClassificationThresholds.Classify"/>): a teaching game's
/// rating differential is above <see cref="ClassificationThresholds.TeachingMinDifferential"/> and its swing variance
/// below <see cref="ClassificationThresholds.TeachingMaxVariance"/>; a dogfight's differential is below
/// <see cref="ClassificationThresholds.DogfightMaxDifferential"/> and its variance above
/// <see cref="ClassificationThresholds.DogfightMinVariance"/>. Each line's margin is how far beyond it the game lies,
/// relative to the line itself, capped at 1:</para>
/// <list type="bullet">
/// <item>teaching: min(1, (differential − t) / t) and min(1, (t − variance) / t);</item>
/// <item>dogfight: min(1, (t − differential) / t) and min(1, (variance − t) / t);</item>
/// </list>
/// <para>and clarity is their geometric mean √(a·b). Why relative margins: the thresholds are on each evaluator's own
/// scale (variance in 10-point units or in value units), so a margin in units of the line itself reads the same for
/// every evaluator, and "twice the line" (or, below a line, all the way to zero) is as clear as a game gets. Why the
/// geometric mean: the class needs both lines crossed, so a game that barely crosses one of them is borderline however
/// far it lies past the other; the geometric mean is 0 when either margin is 0 and high only when both are, where an
/// arithmetic mean would pay half for a game straddling a line. Standard games, games without a differential (a rank
/// missing), and figures on the wrong side of a line for the class claimed (a margin below 0 counts as 0) get 0: the
/// clarity term rewards games that are clearly worth their class for training, and Standard is the default, not a
/// finding. A line at 0 (nothing to measure against) counts fully when crossed.</para>
/// </summary>
public static class GameClarity
{
    /// <summary>The classifier's confidence, in basis points, that a game of this class, differential and swing variance is what its class says.</summary>
    /// <param name="gameClass">The game's class.</param>
    /// <param name="ratingDifferential">|Black's rating − White's rating|, null when a rank is missing.</param>
    /// <param name="swingVariance">The variance of the evaluation swings, on the thresholds' scale.</param>
    /// <param name="thresholds">The lines the class was drawn with (the evaluator's).</param>
    public static int ClarityBp(GameClass gameClass, double? ratingDifferential, double swingVariance, ClassificationThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (ratingDifferential is not { } differential || !double.IsFinite(differential) || !double.IsFinite(swingVariance))
        {
            return 0;
        }
        var (a, b) = gameClass switch
        {
            GameClass.Teaching => (
                Margin(differential - thresholds.TeachingMinDifferential, thresholds.TeachingMinDifferential),
                Margin(thresholds.TeachingMaxVariance - swingVariance, thresholds.TeachingMaxVariance)),
            GameClass.Dogfight => (
                Margin(thresholds.DogfightMaxDifferential - differential, thresholds.DogfightMaxDifferential),
                Margin(swingVariance - thresholds.DogfightMinVariance, thresholds.DogfightMinVariance)),
            _ => (0.0, 0.0),
        };
        return Math.Clamp((int)Math.Round(Math.Sqrt(a * b) * 10_000), 0, 10_000);
    }

    /// <summary>The clarity of an analysed game (its class, differential and swing variance) against the thresholds its evaluator classified it with.</summary>
    /// <param name="analysis">The game's analysis.</param>
    /// <param name="thresholds">The lines the class was drawn with (the evaluator's <see cref="IGameEvaluator.Thresholds"/>).</param>
    public static int ClarityBp(GameAnalysis analysis, ClassificationThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        return ClarityBp(analysis.Class, analysis.RatingDifferential, analysis.SwingVariance, thresholds);
    }

    // How far beyond a line, in units of the line, capped to 0..1.
    private static double Margin(double beyond, double line) =>
        Math.Abs(line) > 0 ? Math.Clamp(beyond / Math.Abs(line), 0, 1) : beyond > 0 ? 1 : 0;
}
