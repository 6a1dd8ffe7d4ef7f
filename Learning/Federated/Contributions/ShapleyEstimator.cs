namespace OrleansGoRelay.Learning.Federated.Contributions;

/// <summary>How the marginal values are estimated.</summary>
public enum ShapleyMethod
{
    /// <summary>Not estimated.</summary>
    None,

    /// <summary>Each client's value is U(all) − U(all but it): n + 1 evaluations; blind to redundant clients.</summary>
    LeaveOneOut,

    /// <summary>
    /// Permutation sampling (Castro et al. 2009; Ghorbani and Zou 2019's data Shapley): the mean over random orders of
    /// the utility a client adds to those before it; unbiased, and exact as the permutations grow.
    /// </summary>
    MonteCarlo,
}

/// <summary>
/// Estimates each client's Shapley value for a utility over sets of clients (in a round: the validation accuracy of the
/// model the set's aggregate would give). Utilities are cached by set, so the permutations share evaluations.
/// </summary>
public sealed class ShapleyEstimator(Func<IReadOnlyList<int>, double> utility)
{
    private readonly Dictionary<string, double> _cache = new(StringComparer.Ordinal);

    /// <summary>Utility evaluations made (cache misses).</summary>
    public int Evaluations { get; private set; }

    /// <summary>Leave-one-out values of clients 0..n−1.</summary>
    public double[] LeaveOneOut(int clients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        var all = Enumerable.Range(0, clients).ToList();
        var full = Utility(all);
        return [.. all.Select(i => full - Utility([.. all.Where(j => j != i)]))];
    }

    /// <summary>Monte Carlo Shapley values of clients 0..n−1 over <paramref name="permutations"/> seeded random orders.</summary>
    public double[] MonteCarlo(int clients, int permutations, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(permutations, 1);
        var random = new Random(seed);
        var values = new double[clients];
        var order = Enumerable.Range(0, clients).ToArray();
        for (var p = 0; p < permutations; p++)
        {
            random.Shuffle(order);
            var before = new List<int>();
            var previous = Utility(before);
            foreach (var client in order)
            {
                before.Add(client);
                var now = Utility(before);
                values[client] += now - previous;
                previous = now;
            }
        }
        for (var i = 0; i < clients; i++)
        {
            values[i] /= permutations;
        }
        return values;
    }

    /// <summary>Values by <paramref name="method"/> (zeros for <see cref="ShapleyMethod.None"/>).</summary>
    public double[] Estimate(ShapleyMethod method, int clients, int permutations, int seed) => method switch
    {
        ShapleyMethod.None => new double[clients],
        ShapleyMethod.LeaveOneOut => LeaveOneOut(clients),
        ShapleyMethod.MonteCarlo => MonteCarlo(clients, permutations, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown Shapley method"),
    };

    private double Utility(List<int> set)
    {
        var key = string.Join(',', set.Order());
        if (!_cache.TryGetValue(key, out var value))
        {
            value = utility(set.Order().ToList());
            _cache[key] = value;
            Evaluations++;
        }
        return value;
    }
}
