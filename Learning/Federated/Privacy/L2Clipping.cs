using System.Numerics.Tensors;

namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>A client delta after L2 clipping.</summary>
/// <param name="Delta">The clipped delta (a new array; the input is left as it was).</param>
/// <param name="Norm">The L2 norm before clipping.</param>
/// <param name="WasClipped">Whether the norm exceeded the bound and the delta was scaled down.</param>
public sealed record ClippedDelta(float[] Delta, double Norm, bool WasClipped);

/// <summary>
/// Per-client L2 clipping, Δ ← Δ · min(1, S/‖Δ‖), which bounds every client's influence on the sum by S, the
/// sensitivity the Gaussian noise of DP-FedAvg is calibrated to (McMahan, Ramage, Talwar, Zhang 2018,
/// "Learning Differentially Private Recurrent Language Models", Algorithm 1, FlatClip).
/// </summary>
public static class L2Clipping
{
    // Norms accumulate per block in float (vectorised) and across blocks in double: fast, and accurate to about 1e-7
    // relative for any length.
    private const int NormBlock = 4096;

    // A clipped delta is scaled to S·(1 − 10⁻⁶), not S: float rounding of the factor, of the products and of the norm
    // itself (each about 10⁻⁷ relative) then never leaves a clipped norm above S, which the noise calibration assumes.
    private const double RoundingMargin = 1 - 1e-6;

    /// <summary>The factor min(1, S/‖Δ‖) a delta of norm <paramref name="norm"/> is scaled by (1 for a zero delta; S/‖Δ‖ less a 10⁻⁶ rounding margin when clipped).</summary>
    public static double Factor(double norm, double clipNorm)
    {
        CheckClipNorm(clipNorm);
        return norm > clipNorm ? clipNorm / norm * RoundingMargin : 1;
    }

    /// <summary>‖x‖₂, blockwise in float and across blocks in double.</summary>
    public static double Norm(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (var start = 0; start < x.Length; start += NormBlock)
        {
            sum += TensorPrimitives.SumOfSquares(x.Slice(start, Math.Min(NormBlock, x.Length - start)));
        }
        return Math.Sqrt(sum);
    }

    /// <summary>The delta clipped to L2 norm at most <paramref name="clipNorm"/>, with its norm before and whether it was clipped.</summary>
    public static ClippedDelta Clip(ReadOnlySpan<float> delta, double clipNorm)
    {
        var clipped = delta.ToArray();
        var (norm, wasClipped) = ClipInPlace(clipped, clipNorm);
        return new ClippedDelta(clipped, norm, wasClipped);
    }

    /// <summary>Clips <paramref name="delta"/> in place to L2 norm at most <paramref name="clipNorm"/>; returns its norm before and whether it was clipped.</summary>
    public static (double Norm, bool WasClipped) ClipInPlace(Span<float> delta, double clipNorm)
    {
        CheckClipNorm(clipNorm);
        var norm = Norm(delta);
        if (!double.IsFinite(norm))
        {
            throw new ArgumentException("The delta is not finite; it cannot be clipped.", nameof(delta));
        }
        if (norm <= clipNorm)
        {
            return (norm, false);
        }
        TensorPrimitives.Multiply(delta, (float)Factor(norm, clipNorm), delta);
        return (norm, true);
    }

    private static void CheckClipNorm(double clipNorm)
    {
        if (!(clipNorm > 0) || double.IsPositiveInfinity(clipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "A clip norm is finite and above 0.");
        }
    }
}
