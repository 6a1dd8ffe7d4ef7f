namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// Krum and Multi-Krum (Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient
/// Descent"). Each update is scored by the sum of its squared distances to its n − f − 2 nearest other updates; Krum
/// returns the update with the lowest score, Multi-Krum the mean of the m lowest-scored ones. With at most f Byzantine
/// clients among n ≥ 2f + 3 the chosen update is close to the honest ones, which is the rule's guarantee, so it
/// refuses smaller rounds.
/// </summary>
/// <remarks>
/// Pairwise distances are computed once, in parallel and reproducibly (<see cref="PairwiseDistances"/>): 4,950 pairs
/// over 1M parameters for 100 clients. Ties in score go to the lower client id (ordinal), so the choice does not depend
/// on the order in which updates arrived.
/// </remarks>
public sealed class Krum : ISelectingRule, IRuleWithMinimum
{
    /// <summary>Krum (<paramref name="m"/> = 1) or Multi-Krum averaging the <paramref name="m"/> best-scored updates.</summary>
    /// <param name="f">Byzantine clients to tolerate.</param>
    /// <param name="m">Updates to average, 1 to n − f.</param>
    public Krum(int f, int m = 1)
        : this(f, (int?)m)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
    }

    private Krum(int f, int? m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(f);
        F = f;
        M = m;
    }

    /// <summary>Multi-Krum that averages m = n − f updates, the most its guarantee allows, whatever n a round has.</summary>
    public static Krum MultiKrum(int f) => new(f, (int?)null);

    /// <summary>Byzantine clients tolerated.</summary>
    public int F { get; }

    /// <summary>Updates averaged; null for n − f.</summary>
    public int? M { get; }

    /// <inheritdoc />
    public string Name => M == 1 ? "krum" : "multi-krum";

    /// <summary>The fewest updates the rule accepts: 2f + 3.</summary>
    public int MinimumClients => (2 * F) + 3;

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
                $"{Name} with f = {F} needs n ≥ 2f + 3 = {MinimumClients} updates (so that n − f − 2 ≥ f + 1 neighbours are scored); got n = {n}.");
        }
        var m = M ?? n - F;
        if (m > n - F)
        {
            throw new AggregationRefusedException(
                $"{Name} with m = {m} and f = {F} may average at most n − f = {n - F} of n = {n} updates.");
        }
        var deltas = UpdateChecks.Deltas(set);
        var distances = PairwiseDistances.Squared(deltas);
        var all = Enumerable.Range(0, n).ToArray();
        var scores = KrumScoring.Scores(distances, all, n - F - 2);
        // Stable sort by score: equal scores keep index (client id) order.
        var order = all.OrderBy(i => scores[i]).Take(m).ToArray();
        var chosen = new float[m][];
        var ids = new string[m];
        for (var k = 0; k < m; k++)
        {
            chosen[k] = deltas[order[k]];
            ids[k] = set[order[k]].ClientId;
        }
        return new AggregationResult(Coordinatewise.Mean(chosen), ids);
    }
}
