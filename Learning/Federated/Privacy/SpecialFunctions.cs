namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>
/// The few special functions privacy accounting needs and <see cref="Math"/> lacks: the complementary error function
/// and its logarithm (the fractional-order RDP series of the sampled Gaussian integrates Gaussian tails), and accurate
/// log(1 + x) and exp(x) − 1 for small x (log-space sums and the (ε, δ) conversions; <see cref="double.LogP1"/> and
/// <see cref="double.ExpM1"/> are computed as log(x + 1) and exp(x) − 1 and lose every digit near 0).
/// </summary>
public static class SpecialFunctions
{
    // Below this the power series of erf is used (positive terms, no cancellation inside the series; 1 − erf loses at
    // most two digits at 2, where erfc = 0.0047); above it the continued fraction, which converges fast there.
    private const double SeriesLimit = 2.0;
    private const int MaxContinuedFractionTerms = 5000;
    private static readonly double TwoOverSqrtPi = 2 / Math.Sqrt(Math.PI);
    private static readonly double LogSqrtPi = 0.5 * Math.Log(Math.PI);

    /// <summary>erfc(x) = 1 − erf(x), to about 14 significant digits; 0 once it underflows (x above about 26.5).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }
        if (x < SeriesLimit)
        {
            return 1 - ErfSeries(x);
        }
        return Math.Exp(-x * x - LogSqrtPi) / ErfcContinuedFraction(x);
    }

    /// <summary>log erfc(x), accurate where erfc(x) itself underflows (the far tails the RDP series reaches).</summary>
    public static double LogErfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        if (x < SeriesLimit)
        {
            return Math.Log(Erfc(x));
        }
        return -x * x - LogSqrtPi - Math.Log(ErfcContinuedFraction(x));
    }

    /// <summary>log(1 + x), accurate for small |x| (x ≥ −1).</summary>
    public static double Log1P(double x)
    {
        if (double.IsNaN(x) || x < -1)
        {
            return double.NaN;
        }
        if (Math.Abs(x) < 1e-4)
        {
            // Four terms of the series leave an error below x⁵/5 < 2e-21 relative to x.
            return x * (1 - x * (0.5 - x * ((1.0 / 3) - x * 0.25)));
        }
        var u = 1 + x;
        if (double.IsPositiveInfinity(u))
        {
            return u;
        }
        // Goldberg's correction: the rounding of 1 + x cancels in log(u) / (u − 1).
        return Math.Log(u) * (x / (u - 1));
    }

    /// <summary>exp(x) − 1, accurate for small |x|.</summary>
    public static double ExpM1(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        if (Math.Abs(x) < 1e-5)
        {
            return x * (1 + x * (0.5 + x * (1.0 / 6)));
        }
        if (Math.Abs(x) < 0.5)
        {
            // Kahan's correction: the rounding of exp(x) cancels in (u − 1) · x / log(u).
            var u = Math.Exp(x);
            return (u - 1) * (x / Math.Log(u));
        }
        return Math.Exp(x) - 1;
    }

    /// <summary>log(e^a + e^b) without overflow (−∞ stands for 0).</summary>
    public static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }
        if (double.IsNegativeInfinity(b))
        {
            return a;
        }
        var high = Math.Max(a, b);
        if (double.IsPositiveInfinity(high))
        {
            return high;
        }
        return high + Log1P(Math.Exp(-Math.Abs(a - b)));
    }

    /// <summary>erf(x) = (2/√π) e^(−x²) Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), every term positive; for 0 ≤ x &lt; 2.</summary>
    private static double ErfSeries(double x)
    {
        var term = x;
        var sum = x;
        var twoXSquared = 2 * x * x;
        for (var n = 0; n < 200; n++)
        {
            term *= twoXSquared / (2 * n + 3);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }
        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// K(x) with erfc(x) = e^(−x²) / (√π K(x)), K(x) = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))), evaluated with
    /// the modified Lentz method; for x ≥ 2.
    /// </summary>
    private static double ErfcContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var n = 1; n <= MaxContinuedFractionTerms; n++)
        {
            var a = 0.5 * n;
            d = x + a * d;
            if (d == 0)
            {
                d = tiny;
            }
            c = x + a / c;
            if (c == 0)
            {
                c = tiny;
            }
            d = 1 / d;
            var step = c * d;
            f *= step;
            if (Math.Abs(step - 1) < 1e-16)
            {
                break;
            }
        }
        return f;
    }
}
