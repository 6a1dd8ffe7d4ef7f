namespace OrleansGoRelay.Go.Analysis;

/// <summary>
/// Where the classification draws its lines, on one evaluator's scale. The swing series is in that evaluator's units
/// (10 points for evaluators that count points; the value for evaluators that estimate the outcome), so each evaluator
/// carries thresholds calibrated on real games with <see cref="ClassificationCalibration"/> (<c>gorelay classify
/// --calibrate</c>); the figures behind each are with its evaluator.
/// </summary>
/// <param name="TeachingMinDifferential">A teaching game's least rating differential (strictly above).</param>
/// <param name="TeachingMaxVariance">A teaching game's swing variance is below this.</param>
/// <param name="DogfightMaxDifferential">A dogfight's rating differential is below this.</param>
/// <param name="DogfightMinVariance">A dogfight's swing variance is above this.</param>
/// <param name="LeadBand">How far from even the smoothed evaluation must be for a side to lead, for counting lead changes.</param>
public sealed record ClassificationThresholds(
    double TeachingMinDifferential, double TeachingMaxVariance, double DogfightMaxDifferential, double DogfightMinVariance, double LeadBand)
{
    /// <summary>The design's first thresholds, in units of 10 points: teaching &gt; 200 and &lt; 0.2, dogfight &lt; 50 and &gt; 0.8.</summary>
    public static ClassificationThresholds Design { get; } = new(200, 0.2, 50, 0.8, LeadBand: 1.0);

    /// <summary>The class of a game with this differential (null: a rank is missing) and swing variance.</summary>
    public GameClass Classify(double? differential, double variance) => differential switch
    {
        { } d when d > TeachingMinDifferential && variance < TeachingMaxVariance => GameClass.Teaching,
        { } d when d < DogfightMaxDifferential && variance > DogfightMinVariance => GameClass.Dogfight,
        _ => GameClass.Standard,
    };
}
