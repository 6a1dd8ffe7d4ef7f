namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// The coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical
/// Rates"): every coordinate of the aggregate is the median of the clients' values for it (the mean of the two middle
/// values when the count is even). Fewer than half the clients, however extreme, cannot push a coordinate outside the
/// range of the honest values.
/// </summary>
public sealed class CoordinateMedian : IAggregationRule
{
    /// <inheritdoc />
    public string Name => "median";

    /// <inheritdoc />
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates)
    {
        var set = UpdateChecks.Canonical(updates, Name);
        if (set.Length == 0)
        {
            throw new AggregationRefusedException("median needs at least one update; got 0.");
        }
        return Coordinatewise.ReduceColumns(UpdateChecks.Deltas(set), static column => Coordinatewise.Median(column));
    }
}
