namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>
/// A run's (ε, δ) differential-privacy budget. A run checks <see cref="Admits"/> before each round and stops when the
/// next round would take ε past <see cref="Epsilon"/>, so the budget is never overspent (a round whose ε would exceed it
/// is not run, rather than run and reported).
/// </summary>
/// <param name="Epsilon">The largest ε the whole run may reach, above 0.</param>
/// <param name="Delta">The δ at which ε is measured, in (0, 1); by convention well below 1 / (number of clients).</param>
public sealed record PrivacyBudget(double Epsilon, double Delta)
{
    /// <summary>The largest ε the whole run may reach.</summary>
    public double Epsilon { get; } = Epsilon > 0 && !double.IsPositiveInfinity(Epsilon)
        ? Epsilon
        : throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "A budget's ε is finite and above 0.");

    /// <summary>The δ at which ε is measured.</summary>
    public double Delta { get; } = Delta > 0 && Delta < 1
        ? Delta
        : throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "A budget's δ lies in (0, 1).");

    /// <summary>The ε spent so far by <paramref name="accountant"/>, measured at this budget's δ.</summary>
    public double Spent(RdpAccountant accountant, RdpConversion conversion = RdpConversion.Improved)
    {
        ArgumentNullException.ThrowIfNull(accountant);
        return accountant.Epsilon(Delta, conversion);
    }

    /// <summary>
    /// Whether <paramref name="steps"/> more steps of the sampled Gaussian mechanism with sampling rate q and noise
    /// multiplier z keep <paramref name="accountant"/> within the budget (ε after them ≤ <see cref="Epsilon"/>).
    /// </summary>
    public bool Admits(RdpAccountant accountant, double samplingRate, double noiseMultiplier, long steps = 1, RdpConversion conversion = RdpConversion.Improved)
    {
        ArgumentNullException.ThrowIfNull(accountant);
        return accountant.EpsilonAfter(samplingRate, noiseMultiplier, steps, Delta, conversion) <= Epsilon;
    }

    /// <summary>How many more steps of (q, z) the budget admits after what <paramref name="accountant"/> has spent (capped at <paramref name="limit"/>).</summary>
    public long RemainingSteps(RdpAccountant accountant, double samplingRate, double noiseMultiplier, long limit = 1_000_000_000, RdpConversion conversion = RdpConversion.Improved)
    {
        ArgumentNullException.ThrowIfNull(accountant);
        if (!Admits(accountant, samplingRate, noiseMultiplier, 1, conversion))
        {
            return 0;
        }
        if (Admits(accountant, samplingRate, noiseMultiplier, limit, conversion))
        {
            return limit;
        }
        // ε grows with the step count: bisect on it (admitted at low, refused at high).
        long low = 1, high = limit;
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Admits(accountant, samplingRate, noiseMultiplier, middle, conversion))
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }
}
