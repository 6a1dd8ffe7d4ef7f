namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>How Rényi differential privacy at a set of orders is turned into an (ε, δ) guarantee.</summary>
public enum RdpConversion
{
    /// <summary>
    /// ε = min over α of rdp(α) + log((α − 1)/α) − (log δ + log α)/(α − 1) (Canonne, Kamath, Steinke 2020,
    /// "The Discrete Gaussian for Differential Privacy", Proposition 12; Balle, Barthe, Gaboardi, Hsu, Sato 2020,
    /// "Hypothesis Testing Interpretations and Rényi Differential Privacy", Theorem 21), and ε = 0 where
    /// δ ≥ √(1 − e^(−rdp)) (total variation bounded through the KL divergence, which RDP bounds). Never larger than
    /// <see cref="Classic"/>; what Google's dp_accounting and TensorFlow Privacy report since December 2020. The default.
    /// </summary>
    Improved,

    /// <summary>
    /// ε = min over α of rdp(α) + log(1/δ)/(α − 1) (Mironov 2017, "Rényi Differential Privacy", Proposition 3): the
    /// moments accountant's conversion (Abadi et al. 2016) and what TensorFlow Privacy reported until December 2020.
    /// </summary>
    Classic,
}

/// <summary>An <see cref="RdpAccountant"/>'s accumulated state, to persist and resume a run's accounting.</summary>
/// <param name="Orders">The Rényi orders α tracked.</param>
/// <param name="Rdp">The composed RDP ε(α) at each order.</param>
/// <param name="Steps">How many mechanism steps were composed.</param>
public sealed record RdpAccountantState(double[] Orders, double[] Rdp, long Steps);

/// <summary>
/// Privacy accounting for the sampled Gaussian mechanism (each record, here each client, is included independently with
/// probability q, the sum of the included L2-bounded contributions gets Gaussian noise of z times the bound) in Rényi
/// differential privacy (Mironov 2017, "Rényi Differential Privacy"), which composes by addition over steps and is
/// converted to (ε, δ) at the end; this is the moments accountant of Abadi et al. 2016 ("Deep Learning with
/// Differential Privacy") made exact at every order.
/// </summary>
/// <remarks>
/// One step's RDP at order α is log(A_α)/(α − 1) with A_α = E_{x∼N(0,z²)}[(1 − q + q·e^((2x − 1)/(2z²)))^α]
/// (Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"). Integer α: the
/// binomial expansion A_α = Σ_k C(α,k) (1 − q)^(α−k) q^k e^((k² − k)/(2z²)). Fractional α: the
/// integral is split at z₀ = z² log(1/q − 1) + 1/2 and each half expanded in the generalised binomial series, whose
/// terms carry Gaussian tails ½ erfc(·) (their Section 3.3); the series alternates in sign beyond k &gt; α and is summed
/// with its signs, so the value is exact (as in Opacus and TensorFlow Privacy's rdp_accountant; Google's dp_accounting
/// has summed absolute values since 2024, a looser upper bound). Where the series converges slowly (orders near 1,
/// larger q) it is cut after a few thousand terms and the alternating-series remainder bound is added, and the result
/// is never above the chord of log A between the neighbouring integer orders (log A_α is convex in α), so it stays an
/// upper bound.
/// Every sum is a log-sum-exp; q = 0 costs nothing, q = 1 is the plain Gaussian mechanism, α/(2z²).
/// </remarks>
public sealed class RdpAccountant
{
    private const int MaxFractionalTerms = 4000;
    private readonly double[] _orders;
    private readonly double[] _rdp;
    private double _cachedSamplingRate = double.NaN;
    private double _cachedNoiseMultiplier = double.NaN;
    private double[] _cachedStepRdp = [];

    /// <summary>An accountant at <paramref name="orders"/> (each finite and above 1; <see cref="DefaultOrders"/> if null), nothing spent.</summary>
    public RdpAccountant(IEnumerable<double>? orders = null)
    {
        _orders = ValidOrders(orders ?? DefaultOrders);
        _rdp = new double[_orders.Length];
    }

    /// <summary>
    /// The orders TensorFlow Privacy's compute_dp_sgd_privacy uses: 1.25 to 4.5 in quarter and half steps, every integer
    /// 5 to 63, then 128, 256, 512. Small orders serve large ε, large orders small ε.
    /// </summary>
    public static IReadOnlyList<double> DefaultOrders { get; } = BuildDefaultOrders();

    /// <summary>The Rényi orders α tracked.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The composed RDP ε(α) at each order.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    /// <summary>How many steps were composed.</summary>
    public long Steps { get; private set; }

    /// <summary>The accumulated state, to persist.</summary>
    public RdpAccountantState State => new((double[])_orders.Clone(), (double[])_rdp.Clone(), Steps);

    /// <summary>An accountant resumed from a persisted <paramref name="state"/>.</summary>
    public static RdpAccountant FromState(RdpAccountantState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Orders.Length != state.Rdp.Length)
        {
            throw new ArgumentException("One RDP value per order.", nameof(state));
        }
        var accountant = new RdpAccountant(state.Orders);
        for (var i = 0; i < state.Rdp.Length; i++)
        {
            if (double.IsNaN(state.Rdp[i]) || state.Rdp[i] < 0)
            {
                throw new ArgumentException($"RDP at order {state.Orders[i]} is {state.Rdp[i]}.", nameof(state));
            }
            accountant._rdp[i] = state.Rdp[i];
        }
        accountant.Steps = state.Steps;
        return accountant;
    }

    /// <summary>Composes <paramref name="steps"/> steps of the sampled Gaussian mechanism with sampling rate q and noise multiplier z.</summary>
    public void Compose(double samplingRate, double noiseMultiplier, long steps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var stepRdp = StepRdp(samplingRate, noiseMultiplier);
        for (var i = 0; i < _rdp.Length; i++)
        {
            _rdp[i] += steps * stepRdp[i];
        }
        Steps += steps;
    }

    /// <summary>The ε of the steps composed so far at <paramref name="delta"/>.</summary>
    public double Epsilon(double delta, RdpConversion conversion = RdpConversion.Improved) => Epsilon(delta, out _, conversion);

    /// <summary>The ε of the steps composed so far at <paramref name="delta"/>, and the order that gives it.</summary>
    public double Epsilon(double delta, out double bestOrder, RdpConversion conversion = RdpConversion.Improved) =>
        EpsilonFromRdp(_orders, _rdp, delta, out bestOrder, conversion);

    /// <summary>The δ of the steps composed so far at <paramref name="epsilon"/>.</summary>
    public double Delta(double epsilon, RdpConversion conversion = RdpConversion.Improved) => Delta(epsilon, out _, conversion);

    /// <summary>The δ of the steps composed so far at <paramref name="epsilon"/>, and the order that gives it.</summary>
    public double Delta(double epsilon, out double bestOrder, RdpConversion conversion = RdpConversion.Improved) =>
        DeltaFromRdp(_orders, _rdp, epsilon, out bestOrder, conversion);

    /// <summary>
    /// The ε at <paramref name="delta"/> there would be after composing <paramref name="steps"/> more steps of (q, z),
    /// without composing them: what a budget check asks before a round spends anything.
    /// </summary>
    public double EpsilonAfter(double samplingRate, double noiseMultiplier, long steps, double delta, RdpConversion conversion = RdpConversion.Improved)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var stepRdp = StepRdp(samplingRate, noiseMultiplier);
        var rdp = new double[_rdp.Length];
        for (var i = 0; i < rdp.Length; i++)
        {
            rdp[i] = _rdp[i] + steps * stepRdp[i];
        }
        return EpsilonFromRdp(_orders, rdp, delta, out _, conversion);
    }

    /// <summary>One step's RDP at <paramref name="order"/> of the sampled Gaussian mechanism (sensitivity 1, noise z).</summary>
    public static double SampledGaussianRdp(double samplingRate, double noiseMultiplier, double order)
    {
        if (!(samplingRate >= 0 && samplingRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "A sampling rate lies in [0, 1].");
        }
        if (!(noiseMultiplier >= 0) || double.IsPositiveInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "A noise multiplier is finite and not negative.");
        }
        if (!(order > 1) || double.IsPositiveInfinity(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "A Rényi order is finite and above 1.");
        }
        if (samplingRate == 0)
        {
            return 0;
        }
        if (noiseMultiplier < 1e-100)
        {
            // No noise (or so little that 1/z² overflows): nothing is hidden.
            return double.PositiveInfinity;
        }
        if (samplingRate == 1)
        {
            return order / (2 * noiseMultiplier * noiseMultiplier);
        }
        var logA = order == Math.Floor(order) && order <= 1_000_000
            ? LogAIntegerOrder(samplingRate, noiseMultiplier, (int)order)
            : LogAFractionalOrder(samplingRate, noiseMultiplier, order);
        // A_α ≥ 1 (a Rényi divergence is not negative); rounding may leave a hair below.
        return Math.Max(0, logA / (order - 1));
    }

    /// <summary>One step's RDP of the sampled Gaussian mechanism at each of <paramref name="orders"/>.</summary>
    public static double[] SampledGaussianRdp(double samplingRate, double noiseMultiplier, IReadOnlyList<double> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var rdp = new double[orders.Count];
        for (var i = 0; i < rdp.Length; i++)
        {
            rdp[i] = SampledGaussianRdp(samplingRate, noiseMultiplier, orders[i]);
        }
        return rdp;
    }

    /// <summary>The (ε, δ) guarantee's ε at <paramref name="delta"/> from RDP values at orders, and the order that gives it.</summary>
    public static double EpsilonFromRdp(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta, out double bestOrder, RdpConversion conversion = RdpConversion.Improved)
    {
        CheckPairs(orders, rdp);
        if (!(delta > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be above 0 (RDP gives no pure ε-DP).");
        }
        bestOrder = double.NaN;
        if (delta >= 1)
        {
            return 0;
        }
        var logDelta = Math.Log(delta);
        var best = double.PositiveInfinity;
        for (var i = 0; i < orders.Count; i++)
        {
            var alpha = orders[i];
            var r = Math.Max(0, rdp[i]);
            double epsilon;
            if (double.IsPositiveInfinity(r))
            {
                continue;
            }
            if (conversion == RdpConversion.Classic)
            {
                epsilon = r - logDelta / (alpha - 1);
            }
            else if (delta * delta + SpecialFunctions.ExpM1(-r) >= 0)
            {
                // δ ≥ √(1 − e^(−KL)) ≥ total variation (Bretagnolle–Huber), and KL ≤ D_α.
                epsilon = 0;
            }
            else if (alpha > 1.01)
            {
                // Unstable as α → 1, where it is also useless.
                epsilon = r + SpecialFunctions.Log1P(-1 / alpha) - (logDelta + Math.Log(alpha)) / (alpha - 1);
            }
            else
            {
                continue;
            }
            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = alpha;
            }
        }
        return Math.Max(0, best);
    }

    /// <summary>The (ε, δ) guarantee's δ at <paramref name="epsilon"/> from RDP values at orders, and the order that gives it.</summary>
    public static double DeltaFromRdp(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double epsilon, out double bestOrder, RdpConversion conversion = RdpConversion.Improved)
    {
        CheckPairs(orders, rdp);
        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must not be negative.");
        }
        bestOrder = double.NaN;
        var bestLogDelta = 0.0;
        for (var i = 0; i < orders.Count; i++)
        {
            var alpha = orders[i];
            var r = Math.Max(0, rdp[i]);
            if (double.IsPositiveInfinity(r))
            {
                continue;
            }
            double logDelta;
            if (conversion == RdpConversion.Classic)
            {
                logDelta = (alpha - 1) * (r - epsilon);
            }
            else
            {
                logDelta = r == 0 ? double.NegativeInfinity : 0.5 * SpecialFunctions.Log1P(-Math.Exp(-r));
                if (alpha > 1.01)
                {
                    logDelta = Math.Min(logDelta, (alpha - 1) * (r - epsilon + SpecialFunctions.Log1P(-1 / alpha)) - Math.Log(alpha));
                }
            }
            if (logDelta < bestLogDelta)
            {
                bestLogDelta = logDelta;
                bestOrder = alpha;
            }
        }
        return Math.Min(1, Math.Exp(bestLogDelta));
    }

    /// <summary>
    /// The smallest noise multiplier z (to a relative 1e-9) for which <paramref name="steps"/> steps at sampling rate q
    /// stay within (<paramref name="targetEpsilon"/>, <paramref name="delta"/>), by bisection on z (ε falls as z grows):
    /// how DP training is sized to a budget. The z returned meets the target; 0 when nothing is spent (q = 0 or no steps).
    /// </summary>
    public static double NoiseMultiplierFor(double targetEpsilon, double delta, double samplingRate, long steps, IReadOnlyList<double>? orders = null, RdpConversion conversion = RdpConversion.Improved)
    {
        if (!(targetEpsilon > 0) || double.IsPositiveInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The target ε is finite and above 0.");
        }
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ lies in (0, 1).");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var alphas = ValidOrders(orders ?? DefaultOrders);
        if (samplingRate == 0 || steps == 0)
        {
            return 0;
        }
        double EpsilonAt(double z)
        {
            var rdp = SampledGaussianRdp(samplingRate, z, alphas);
            for (var i = 0; i < rdp.Length; i++)
            {
                rdp[i] *= steps;
            }
            return EpsilonFromRdp(alphas, rdp, delta, out _, conversion);
        }
        const double maxNoise = 1e8;
        double low = 0, high = 1;
        while (EpsilonAt(high) > targetEpsilon)
        {
            low = high;
            high *= 2;
            if (high > maxNoise)
            {
                // The classic conversion never goes below log(1/δ)/(α_max − 1), whatever the noise.
                throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, $"No noise multiplier up to {maxNoise:G} reaches ε = {targetEpsilon} at these orders.");
            }
        }
        for (var i = 0; i < 200 && high - low > 1e-9 * high; i++)
        {
            var middle = 0.5 * (low + high);
            if (EpsilonAt(middle) > targetEpsilon)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return high;
    }

    /// <summary>log A_α for integer α ≥ 2 and 0 &lt; q &lt; 1: a log-sum-exp over the α + 1 binomial terms.</summary>
    private static double LogAIntegerOrder(double q, double z, int alpha)
    {
        var logQ = Math.Log(q);
        var logOneMinusQ = SpecialFunctions.Log1P(-q);
        var halfInverseVariance = 1 / (2 * z * z);
        var terms = alpha < 1024 ? stackalloc double[alpha + 1] : new double[alpha + 1];
        var logBinomial = 0.0;
        var max = double.NegativeInfinity;
        for (var k = 0; k <= alpha; k++)
        {
            if (k > 0)
            {
                logBinomial += Math.Log((double)(alpha - k + 1) / k);
            }
            var term = logBinomial + k * logQ + (alpha - k) * logOneMinusQ + (k < 2 ? 0 : ((double)k * k - k) * halfInverseVariance);
            terms[k] = term;
            max = Math.Max(max, term);
        }
        if (double.IsPositiveInfinity(max))
        {
            return max;
        }
        var sum = 0.0;
        foreach (var term in terms)
        {
            sum += Math.Exp(term - max);
        }
        return max + Math.Log(sum);
    }

    /// <summary>log A_α for fractional α &gt; 1 and 0 &lt; q &lt; 1 (Mironov, Talwar, Zhang 2019, Section 3.3).</summary>
    private static double LogAFractionalOrder(double q, double z, double alpha)
    {
        var logQ = Math.Log(q);
        var logOneMinusQ = SpecialFunctions.Log1P(-q);
        var variance = z * z;
        var halfInverseVariance = 1 / (2 * variance);
        var split = variance * (logOneMinusQ - logQ) + 0.5;
        var tailScale = 1 / (Math.Sqrt(2) * z);
        var logHalf = Math.Log(0.5);

        // Positive and negative terms are summed apart (each as a log-sum-exp), their difference taken at the end.
        var positive = double.NegativeInfinity;
        var negative = double.NegativeInfinity;
        var logCoefficient = 0.0; // log |C(α, k)|
        var coefficientPositive = true;
        var previousLow = double.PositiveInfinity;
        var previousHigh = double.PositiveInfinity;
        var lastTerm = double.NegativeInfinity;
        var converged = false;
        for (var k = 0; k < MaxFractionalTerms; k++)
        {
            if (k > 0)
            {
                var ratio = (alpha - k + 1) / k;
                logCoefficient += Math.Log(Math.Abs(ratio));
                if (ratio < 0)
                {
                    coefficientPositive = !coefficientPositive;
                }
            }
            var j = alpha - k;
            var low = logCoefficient + k * logQ + j * logOneMinusQ + (k < 2 ? 0 : (k * (double)k - k) * halfInverseVariance)
                + logHalf + SpecialFunctions.LogErfc((k - split) * tailScale);
            var high = logCoefficient + j * logQ + k * logOneMinusQ + (j * j - j) * halfInverseVariance
                + logHalf + SpecialFunctions.LogErfc((split - j) * tailScale);
            var term = SpecialFunctions.LogAdd(low, high);
            if (coefficientPositive)
            {
                positive = SpecialFunctions.LogAdd(positive, term);
            }
            else
            {
                negative = SpecialFunctions.LogAdd(negative, term);
            }
            lastTerm = term;
            // Past k > α the signs alternate; stop once both halves shrink below 10⁻¹⁵ of the sum (A ≥ 1, so that is absolute too).
            if (k > alpha && low < previousLow && high < previousHigh && Math.Max(low, high) < positive - 34)
            {
                converged = true;
                break;
            }
            previousLow = low;
            previousHigh = high;
        }
        if (!converged)
        {
            // An alternating series with shrinking terms is within its last term of the limit: add it, to stay above.
            positive = SpecialFunctions.LogAdd(positive, lastTerm);
        }
        var logA = negative < positive
            ? positive + SpecialFunctions.Log1P(-Math.Exp(negative - positive))
            : positive;
        if (!converged)
        {
            logA = Math.Min(logA, InterpolatedLogA(q, z, alpha));
        }
        return logA;
    }

    /// <summary>The chord of the convex log A_α between the integer orders around α (log A₁ = 0): an upper bound.</summary>
    private static double InterpolatedLogA(double q, double z, double alpha)
    {
        var below = (int)Math.Floor(alpha);
        var weight = alpha - below;
        var logBelow = below == 1 ? 0 : LogAIntegerOrder(q, z, below);
        var logAbove = LogAIntegerOrder(q, z, below + 1);
        return (1 - weight) * logBelow + weight * logAbove;
    }

    private double[] StepRdp(double samplingRate, double noiseMultiplier)
    {
        // Rounds repeat one (q, z): computing a step's RDP once per pair keeps Compose cheap.
        if (samplingRate.Equals(_cachedSamplingRate) && noiseMultiplier.Equals(_cachedNoiseMultiplier))
        {
            return _cachedStepRdp;
        }
        var stepRdp = SampledGaussianRdp(samplingRate, noiseMultiplier, _orders);
        _cachedStepRdp = stepRdp;
        _cachedSamplingRate = samplingRate;
        _cachedNoiseMultiplier = noiseMultiplier;
        return stepRdp;
    }

    private static double[] ValidOrders(IEnumerable<double> orders)
    {
        var array = orders.ToArray();
        if (array.Length == 0)
        {
            throw new ArgumentException("At least one Rényi order.", nameof(orders));
        }
        foreach (var alpha in array)
        {
            if (!(alpha > 1) || double.IsPositiveInfinity(alpha))
            {
                throw new ArgumentOutOfRangeException(nameof(orders), alpha, "Rényi orders are finite and above 1.");
            }
        }
        return array;
    }

    private static void CheckPairs(IReadOnlyList<double> orders, IReadOnlyList<double> rdp)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(rdp);
        if (orders.Count != rdp.Count || orders.Count == 0)
        {
            throw new ArgumentException("One RDP value per order, at least one order.", nameof(rdp));
        }
        foreach (var alpha in orders)
        {
            if (!(alpha > 1))
            {
                throw new ArgumentOutOfRangeException(nameof(orders), alpha, "Rényi orders are above 1.");
            }
        }
    }

    private static double[] BuildDefaultOrders()
    {
        var orders = new List<double> { 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5 };
        for (var alpha = 5; alpha <= 63; alpha++)
        {
            orders.Add(alpha);
        }
        orders.AddRange([128, 256, 512]);
        return [.. orders];
    }
}
