namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>The aggregation rules by the names the CLI and the round configuration use.</summary>
public static class AggregationRules
{
    /// <summary>The valid names, in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fedavg", "median", "trimmed-mean", "krum", "multi-krum", "bulyan"];

    /// <summary>
    /// The rule called <paramref name="name"/> (case-insensitive): <c>fedavg</c> (weighted by examples), <c>median</c>,
    /// <c>trimmed-mean</c> (with <paramref name="beta"/>), <c>krum</c>, <c>multi-krum</c> (with
    /// <paramref name="multiKrumCount"/> or, when null, n − f) and <c>bulyan</c> (the last three with <paramref name="f"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of <see cref="Names"/>.</exception>
    public static IAggregationRule Create(string name, int f = 0, double beta = 0.1, int? multiKrumCount = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "fedavg" => new FedAvg(),
            "median" => new CoordinateMedian(),
            "trimmed-mean" => new TrimmedMean(beta),
            "krum" => new Krum(f),
            "multi-krum" => multiKrumCount is { } m ? new Krum(f, m) : Krum.MultiKrum(f),
            "bulyan" => new Bulyan(f),
            _ => throw new ArgumentException($"Unknown aggregation rule '{name}'; valid: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
