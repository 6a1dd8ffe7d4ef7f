namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>
/// Settings of adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy 2021, "Differentially Private Learning with
/// Adaptive Clipping"): the clip norm follows a quantile of the clients' update norms instead of being tuned by hand.
/// </summary>
/// <param name="TargetQuantile">γ: the fraction of clients whose update norm should fall at or below the clip norm, in [0, 1] (the paper's default 0.5, the median).</param>
/// <param name="LearningRate">η_C of the geometric update C ← C·exp(−η_C (b̃ − γ)), above 0 (the paper uses 0.2).</param>
/// <param name="CountNoiseStandardDeviation">σ_b: the noise on the count of clients below the clip norm, above 0 (the paper suggests m/20 for m expected clients per round).</param>
public sealed record AdaptiveClippingOptions(double TargetQuantile, double LearningRate, double CountNoiseStandardDeviation)
{
    /// <summary>γ, the target quantile of the update norms.</summary>
    public double TargetQuantile { get; } = TargetQuantile is >= 0 and <= 1
        ? TargetQuantile
        : throw new ArgumentOutOfRangeException(nameof(TargetQuantile), TargetQuantile, "A quantile lies in [0, 1].");

    /// <summary>η_C, the learning rate of the geometric update.</summary>
    public double LearningRate { get; } = LearningRate > 0 && double.IsFinite(LearningRate)
        ? LearningRate
        : throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate is finite and above 0.");

    /// <summary>σ_b, the standard deviation of the noise on the below-the-clip-norm count.</summary>
    public double CountNoiseStandardDeviation { get; } = CountNoiseStandardDeviation > 0 && double.IsFinite(CountNoiseStandardDeviation)
        ? CountNoiseStandardDeviation
        : throw new ArgumentOutOfRangeException(nameof(CountNoiseStandardDeviation), CountNoiseStandardDeviation, "σ_b is finite and above 0.");

    /// <summary>The paper's recommended settings for <paramref name="expectedClientsPerRound"/> clients a round: the median, η_C = 0.2, σ_b = m/20.</summary>
    public static AdaptiveClippingOptions Recommended(double expectedClientsPerRound) =>
        new(0.5, 0.2, expectedClientsPerRound / 20);
}

/// <summary>
/// The arithmetic of adaptive clipping (Andrew et al. 2021). Each client reports whether its update norm is at most the
/// clip norm C, as b_i − ½ ∈ {−½, ½} (sensitivity ½); the server estimates the fraction below C as
/// b̃ = (Σ(b_i − ½) + N(0, σ_b²))/m + ½ with m the expected clients per round (clamped to [0, 1]) and moves C
/// geometrically toward the γ quantile: C ← C·exp(−η_C (b̃ − γ)). The count is released too, so the deltas' noise
/// multiplier drops to z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2), which keeps the two Gaussian releases together at the total z.
/// </summary>
public static class AdaptiveClipping
{
    /// <summary>
    /// z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2): the deltas' noise multiplier that, with the count's noise σ_b at sensitivity ½,
    /// composes to the total noise multiplier <paramref name="totalNoiseMultiplier"/> (requires 2σ_b &gt; z).
    /// </summary>
    public static double DeltaNoiseMultiplier(double totalNoiseMultiplier, double countNoiseStandardDeviation)
    {
        if (!(totalNoiseMultiplier > 0) || double.IsPositiveInfinity(totalNoiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(totalNoiseMultiplier), totalNoiseMultiplier, "Adaptive clipping needs a finite noise multiplier above 0.");
        }
        if (!(countNoiseStandardDeviation > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(countNoiseStandardDeviation), countNoiseStandardDeviation, "σ_b is above 0.");
        }
        var countMultiplier = 2 * countNoiseStandardDeviation;
        var remaining = 1 / (totalNoiseMultiplier * totalNoiseMultiplier) - 1 / (countMultiplier * countMultiplier);
        if (!(remaining > 0))
        {
            throw new ArgumentException(
                $"The count's noise (σ_b = {countNoiseStandardDeviation}, multiplier 2σ_b = {countMultiplier}) alone spends more than the total noise multiplier {totalNoiseMultiplier} allows; σ_b must exceed z/2.",
                nameof(countNoiseStandardDeviation));
        }
        return 1 / Math.Sqrt(remaining);
    }

    /// <summary>
    /// b̃ = (Σ(b_i − ½) + σ_b·<paramref name="standardNormal"/>)/m + ½, clamped to [0, 1]: the noised fraction of
    /// clients at or below the clip norm, from <paramref name="below"/> of <paramref name="clients"/> and m expected.
    /// </summary>
    public static double NoisedFractionBelow(int below, int clients, double expectedClients, double countNoiseStandardDeviation, double standardNormal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(below);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(below, clients);
        if (!(expectedClients > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(expectedClients), expectedClients, "The expected clients per round are above 0.");
        }
        var centredCount = below - 0.5 * clients;
        var estimate = (centredCount + countNoiseStandardDeviation * standardNormal) / expectedClients + 0.5;
        return Math.Clamp(estimate, 0, 1);
    }

    /// <summary>C·exp(−η_C (b̃ − γ)): the next round's clip norm.</summary>
    public static double NextClipNorm(double clipNorm, double noisedFractionBelow, AdaptiveClippingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return clipNorm * Math.Exp(-options.LearningRate * (noisedFractionBelow - options.TargetQuantile));
    }
}
