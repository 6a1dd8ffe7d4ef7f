namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// An aggregate together with the clients whose updates it is made of, so a round's report (and its ledger entry)
/// can say who was kept and, by difference, who was left out.
/// </summary>
/// <param name="Delta">The aggregated change, one float per parameter.</param>
/// <param name="Selected">The ids of the clients whose updates were averaged, in the order the rule chose them (best first).</param>
public sealed record AggregationResult(float[] Delta, IReadOnlyList<string> Selected);

/// <summary>
/// A rule that keeps whole updates and drops others (Krum, Multi-Krum, Bulyan), as opposed to a per-coordinate rule
/// (median, trimmed mean) where every client may contribute some coordinates and no client is dropped as a whole.
/// </summary>
public interface ISelectingRule : IAggregationRule
{
    /// <summary>Like <see cref="IAggregationRule.Aggregate"/>, and says which clients' updates were kept.</summary>
    AggregationResult AggregateWithSelection(IReadOnlyList<ClientUpdate> updates);
}

/// <summary>A rule with a published minimum round size (Krum's 2f + 3, Bulyan's 4f + 3), so a round can be refused before anyone trains.</summary>
public interface IRuleWithMinimum : IAggregationRule
{
    /// <summary>The fewest updates the rule accepts.</summary>
    int MinimumClients { get; }
}
