namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// Federated averaging (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized
/// Data"): the mean of the clients' deltas weighted by their example counts nₖ / n, so a client that trained on more
/// positions moves the model more; or, unweighted, the plain mean (every client one vote). Not robust: one client can
/// move the aggregate anywhere.
/// </summary>
public sealed class FedAvg : IAggregationRule
{
    /// <summary>A FedAvg that weights by <see cref="ClientUpdate.Examples"/> (the paper's rule) or, if not, equally.</summary>
    public FedAvg(bool weightByExamples = true) => WeightByExamples = weightByExamples;

    /// <summary>Whether updates are weighted by their example counts.</summary>
    public bool WeightByExamples { get; }

    /// <inheritdoc />
    public string Name => "fedavg";

    /// <inheritdoc />
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates)
    {
        var set = UpdateChecks.Canonical(updates, Name);
        if (set.Length == 0)
        {
            throw new AggregationRefusedException("fedavg needs at least one update; got 0.");
        }
        double[]? weights = null;
        if (WeightByExamples)
        {
            weights = new double[set.Length];
            for (var k = 0; k < set.Length; k++)
            {
                if (set[k].Examples < 1)
                {
                    throw new ArgumentException(
                        $"fedavg: client '{set[k].ClientId}' reports {set[k].Examples} examples; a weighted average needs at least 1.",
                        nameof(updates));
                }
                weights[k] = set[k].Examples;
            }
        }
        return Coordinatewise.WeightedMean(UpdateChecks.Deltas(set), weights);
    }
}
