namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// Bulyan (El Mhamdi et al. 2018, "The Hidden Vulnerability of Distributed Learning in Byzantium"). First a selection
/// set of θ = n − 2f updates is built by applying Krum again and again to the updates not yet chosen (each time moving
/// Krum's choice into the set); then every coordinate of the aggregate is the mean of the β = θ − 2f values of the set
/// closest to their median. Krum alone may pick an update that is close in norm but far off in a few coordinates; the
/// second stage bounds every coordinate. Its guarantee needs n ≥ 4f + 3, so it refuses smaller rounds.
/// </summary>
/// <remarks>
/// Each Krum pass over a remaining set R scores with |R| − f − 2 neighbours (none once that is below zero, as in the
/// last passes with f = 0). Distances are computed once for all passes. Ties go to the lower client id; among values
/// equally far from the median the smaller is kept first.
/// </remarks>
public sealed class Bulyan : ISelectingRule, IRuleWithMinimum
{
    /// <summary>Bulyan tolerating <paramref name="f"/> Byzantine clients.</summary>
    public Bulyan(int f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(f);
        F = f;
    }

    /// <summary>Byzantine clients tolerated.</summary>
    public int F { get; }

    /// <inheritdoc />
    public string Name => "bulyan";

    /// <summary>The fewest updates the rule accepts: 4f + 3.</summary>
    public int MinimumClients => (4 * F) + 3;

    /// <inheritdoc />
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates) => AggregateWithSelection(updates).Delta;

    /// <inheritdoc />
    public AggregationResult AggregateWithSelection(IReadOnlyList<ClientUpdate> updates)
    {
        var set = UpdateChecks.Canonical(updates, Name);
        var n = set.Length;
        if (n < MinimumClients)
        {
            throw new AggregationRefusedException(
                $"bulyan with f = {F} needs n ≥ 4f + 3 = {MinimumClients} updates; got n = {n}.");
        }
        var theta = n - (2 * F);
        var beta = theta - (2 * F);
        var deltas = UpdateChecks.Deltas(set);
        var distances = PairwiseDistances.Squared(deltas);

        var remaining = Enumerable.Range(0, n).ToList();
        var selection = new List<int>(theta);
        while (selection.Count < theta)
        {
            var best = KrumScoring.Best(distances, remaining, Math.Max(0, remaining.Count - F - 2));
            selection.Add(best);
            remaining.Remove(best);
        }

        var chosen = new float[theta][];
        var ids = new string[theta];
        for (var k = 0; k < theta; k++)
        {
            chosen[k] = deltas[selection[k]];
            ids[k] = set[selection[k]].ClientId;
        }
        var delta = Coordinatewise.ReduceColumns(chosen, column => MeanClosestToMedian(column, beta));
        return new AggregationResult(delta, ids);
    }

    /// <summary>The mean of the <paramref name="count"/> values closest to the median of <paramref name="values"/>.</summary>
    internal static float MeanClosestToMedian(float[] values, int count)
    {
        Array.Sort(values);
        var n = values.Length;
        var median = n % 2 == 1 ? values[n / 2] : ((double)values[(n / 2) - 1] + values[n / 2]) / 2;
        // In sorted order the values closest to a point form a window; slide it right while the value it would gain
        // on the right is strictly closer than the one it would lose on the left.
        var start = 0;
        while (start + count < n && median - values[start] > values[start + count] - median)
        {
            start++;
        }
        double sum = 0;
        for (var i = start; i < start + count; i++)
        {
            sum += values[i];
        }
        return (float)(sum / count);
    }
}
