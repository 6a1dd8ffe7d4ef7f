namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>A client that may take part in a round, with its stake (weight for stake-weighted sampling).</summary>
/// <param name="ClientId">The client's id.</param>
/// <param name="Stake">Its stake, finite and ≥ 0; a zero stake is never picked by stake-weighted sampling.</param>
public sealed record SamplingCandidate(string ClientId, double Stake);

/// <summary>How a <see cref="ClientSampler"/> weighs candidates.</summary>
public enum SamplingMode
{
    /// <summary>Every candidate equally likely, stakes ignored.</summary>
    Uniform,

    /// <summary>Candidates drawn in proportion to their stakes, without replacement; zero stakes are never drawn.</summary>
    StakeWeighted,
}

/// <summary>
/// Picks the clients of a round: ⌈fraction × available⌉ of them but at least <see cref="Minimum"/> (McMahan et al.
/// 2017's C·K), without replacement, uniformly or in proportion to stake. Stake-weighted sampling without replacement
/// uses Efraimidis and Spirakis' keys (2006, "Weighted random sampling with a reservoir"): every candidate draws
/// u ~ U(0, 1] and gets the key u^(1/w); the clients with the largest keys are picked (compared as ln(u)/w, which
/// orders the same and does not underflow). With one pick this draws each candidate with probability w / Σw.
/// </summary>
/// <remarks>
/// Deterministic: round r's draw uses a <see cref="Random"/> seeded from (seed, r), and candidates draw their keys in
/// client-id order (ordinal), so the result depends on neither the order candidates are listed in nor the process.
/// Every candidate draws a key, zero stakes included, so a change of one candidate's stake leaves the others' keys as
/// they were.
/// </remarks>
public sealed class ClientSampler
{
    /// <summary>A sampler picking <paramref name="fraction"/> (in (0, 1]) of the available clients, at least <paramref name="minimum"/>.</summary>
    public ClientSampler(double fraction, int minimum, SamplingMode mode, int seed)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction of clients per round must be in (0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, 1);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown sampling mode.");
        }
        Fraction = fraction;
        Minimum = minimum;
        Mode = mode;
        Seed = seed;
    }

    /// <summary>The fraction of available clients picked per round.</summary>
    public double Fraction { get; }

    /// <summary>The fewest clients a round is run with.</summary>
    public int Minimum { get; }

    /// <summary>Uniform or stake-weighted.</summary>
    public SamplingMode Mode { get; }

    /// <summary>The seed every round's draw derives from.</summary>
    public int Seed { get; }

    /// <summary>
    /// Clients picked from <paramref name="available"/> eligible ones: max(minimum, ⌈fraction × available⌉), at most all.
    /// The product is rounded to 9 decimals first, so 0.1 × 30 is 3, not 4.
    /// </summary>
    public int CountFor(int available)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(available);
        var byFraction = (int)Math.Ceiling(Math.Round(Fraction * available, 9));
        return Math.Min(available, Math.Max(Minimum, byFraction));
    }

    /// <summary>
    /// The clients of round <paramref name="round"/>, in client-id order (ordinal). Eligible candidates are all of them
    /// (uniform) or those with a positive stake (stake-weighted).
    /// </summary>
    /// <exception cref="AggregationRefusedException">Fewer eligible candidates than <see cref="Minimum"/>.</exception>
    /// <exception cref="ArgumentException">A duplicate id, or a negative or non-finite stake.</exception>
    public IReadOnlyList<string> Sample(IReadOnlyList<SamplingCandidate> candidates, long round)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var sorted = new SamplingCandidate[candidates.Count];
        for (var i = 0; i < sorted.Length; i++)
        {
            var c = candidates[i];
            if (c?.ClientId is null)
            {
                throw new ArgumentException($"Candidate {i} is null or has no id.", nameof(candidates));
            }
            if (!double.IsFinite(c.Stake) || c.Stake < 0)
            {
                throw new ArgumentException($"Candidate '{c.ClientId}' has stake {c.Stake}; stakes must be finite and ≥ 0.", nameof(candidates));
            }
            sorted[i] = c;
        }
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.ClientId, b.ClientId));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(sorted[i].ClientId, sorted[i - 1].ClientId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Candidate '{sorted[i].ClientId}' is listed more than once.", nameof(candidates));
            }
        }

        var weighted = Mode == SamplingMode.StakeWeighted;
        var eligible = 0;
        foreach (var c in sorted)
        {
            if (!weighted || c.Stake > 0)
            {
                eligible++;
            }
        }
        if (eligible < Minimum)
        {
            var why = weighted && eligible < sorted.Length
                ? $" ({sorted.Length - eligible} of the {sorted.Length} candidates have no stake)"
                : string.Empty;
            throw new AggregationRefusedException(
                $"Round {round} needs at least {Minimum} clients; {eligible} eligible candidates are available{why}.");
        }
        var count = CountFor(eligible);

        var random = new Random(RoundSeed(Seed, round));
        var keys = new (double Key, int Index)[sorted.Length];
        var k = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            // u in (0, 1]: ln(u) is finite. Drawn for every candidate, eligible or not.
            var u = 1 - random.NextDouble();
            var w = weighted ? sorted[i].Stake : 1;
            if (w > 0)
            {
                keys[k++] = (Math.Log(u) / w, i);
            }
        }
        // Largest key first; equal keys (practically never) go to the lower id.
        Array.Sort(keys, 0, k, Comparer<(double Key, int Index)>.Create(
            static (a, b) => a.Key != b.Key ? b.Key.CompareTo(a.Key) : a.Index.CompareTo(b.Index)));
        var picked = new int[count];
        for (var i = 0; i < count; i++)
        {
            picked[i] = keys[i].Index;
        }
        Array.Sort(picked);
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = sorted[picked[i]].ClientId;
        }
        return ids;
    }

    /// <summary>A 32-bit seed mixed from (seed, round) with SplitMix64's finaliser, so neighbouring rounds draw unrelated streams.</summary>
    internal static int RoundSeed(int seed, long round)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) ^ (ulong)round;
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z ^ (z >> 32));
        }
    }
}
