namespace OrleansGoRelay.Learning.Federated;

/// <summary>
/// One client's contribution to a round: the change it proposes to the flat parameter vector (its trained weights
/// minus the round's starting weights) and how many training examples produced it (FedAvg's weight).
/// </summary>
/// <param name="ClientId">Who sent it (a relay id in the cluster, a simulated client in <c>gorelay fl simulate</c>).</param>
/// <param name="Delta">The proposed change, one float per parameter, in <see cref="ParameterLayout"/> order.</param>
/// <param name="Examples">Training examples behind the update (positions seen), at least 1.</param>
public sealed record ClientUpdate(string ClientId, float[] Delta, long Examples);

/// <summary>
/// How a round combines its clients' updates into one. Rules refuse (<see cref="AggregationRefusedException"/>) when
/// their published precondition does not hold instead of returning an aggregate they cannot vouch for.
/// </summary>
public interface IAggregationRule
{
    /// <summary>The rule's name as the CLI and reports spell it (<c>fedavg</c>, <c>median</c>, <c>trimmed-mean</c>, ...).</summary>
    string Name { get; }

    /// <summary>Combines the updates (all of one length) into one delta of that length.</summary>
    float[] Aggregate(IReadOnlyList<ClientUpdate> updates);
}

/// <summary>A round cannot be completed as asked: too few clients for the rule, too few survivors to unmask, an exhausted privacy budget.</summary>
public sealed class AggregationRefusedException(string message) : Exception(message)
{
    public AggregationRefusedException() : this("The aggregation was refused.")
    {
    }

    public AggregationRefusedException(string message, Exception innerException) : this(message) => _ = innerException;
}
