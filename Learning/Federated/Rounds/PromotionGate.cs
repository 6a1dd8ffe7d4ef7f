using OrleansGoRelay.Contracts.Federated;

namespace OrleansGoRelay.Learning.Federated.Rounds;

/// <summary>When a candidate replaces the promoted model.</summary>
/// <param name="Margin">Top-1 gain (fraction, 0.01 = one point) that promotes outright.</param>
/// <param name="Delta">The SPRT's alternative: the candidate wins a discordant position with p ≥ 0.5 + δ.</param>
/// <param name="Alpha">The SPRT's false-promotion rate.</param>
/// <param name="Beta">The SPRT's missed-improvement rate.</param>
public sealed record GateOptions(double Margin = 0.01, double Delta = 0.1, double Alpha = 0.05, double Beta = 0.05);

/// <summary>
/// The registry's gate. A candidate is promoted when its held-out top-1 beats the promoted model's by the margin, or
/// when a sequential probability ratio test accepts that it is better. The test looks only at the positions where
/// exactly one of the two models is right (the others say nothing about which is better), a sign test: H0 the
/// candidate wins such a position with p = 0.5, H1 with p = 0.5 + δ; the log-likelihood ratio after w candidate wins
/// and l losses is w·ln(2p₁) + l·ln(2(1 − p₁)), accepted as better at ln((1 − β)/α). Leela Zero gates its networks the
/// same way, with games instead of positions. Without either, the candidate stays a registered, unpromoted version.
/// </summary>
public static class PromotionGate
{
    /// <summary>The judgement of <paramref name="candidate"/> against <paramref name="promoted"/> (per-position correctness on the same positions).</summary>
    public static GateReport Judge(IReadOnlyList<bool> candidate, IReadOnlyList<bool> promoted, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(promoted);
        ArgumentNullException.ThrowIfNull(options);
        if (candidate.Count != promoted.Count || candidate.Count == 0)
        {
            throw new ArgumentException($"The gate compares the same positions: {candidate.Count} against {promoted.Count}.", nameof(candidate));
        }
        if (!(options.Delta > 0 && options.Delta < 0.5) || !(options.Alpha is > 0 and < 1) || !(options.Beta is > 0 and < 1))
        {
            throw new ArgumentException("The SPRT needs 0 < δ < 0.5 and α, β in (0, 1).", nameof(options));
        }
        int wins = 0, losses = 0, candidateRight = 0, promotedRight = 0;
        for (var i = 0; i < candidate.Count; i++)
        {
            candidateRight += candidate[i] ? 1 : 0;
            promotedRight += promoted[i] ? 1 : 0;
            if (candidate[i] != promoted[i])
            {
                if (candidate[i])
                {
                    wins++;
                }
                else
                {
                    losses++;
                }
            }
        }
        var gain = (candidateRight - promotedRight) / (double)candidate.Count;
        var p1 = 0.5 + options.Delta;
        var llr = (wins * Math.Log(2 * p1)) + (losses * Math.Log(2 * (1 - p1)));
        double[] bounds = [Math.Log(options.Beta / (1 - options.Alpha)), Math.Log((1 - options.Beta) / options.Alpha)];
        var (decision, rule) = gain >= options.Margin ? ("promoted", "margin")
            : llr >= bounds[1] ? ("promoted", "sprt")
            : ("rejected", llr <= bounds[0] ? "sprt" : "margin");
        return new GateReport(decision, rule, gain * 100, wins, losses, llr, bounds);
    }

    /// <summary>The report for the registry's first version, which is promoted by definition.</summary>
    public static GateReport First { get; } = new("first", "none", 0, 0, 0, 0, []);
}
