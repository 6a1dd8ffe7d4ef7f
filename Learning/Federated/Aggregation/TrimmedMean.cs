namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// The coordinate-wise β-trimmed mean (Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal
/// Statistical Rates"): per coordinate, the t = ⌊β·n⌋ largest and t smallest values are dropped and the remaining
/// n − 2t averaged. It tolerates up to t Byzantine clients per coordinate; with ⌊β·n⌋ = 0 (few clients, small β) it
/// trims nothing and is the plain mean.
/// </summary>
public sealed class TrimmedMean : IAggregationRule
{
    /// <summary>A trimmed mean dropping the fraction <paramref name="beta"/> (in [0, 0.5)) at each end.</summary>
    public TrimmedMean(double beta)
    {
        if (!(beta >= 0 && beta < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The trimmed fraction β must be in [0, 0.5).");
        }
        Beta = beta;
    }

    /// <summary>The fraction trimmed at each end.</summary>
    public double Beta { get; }

    /// <inheritdoc />
    public string Name => "trimmed-mean";

    /// <summary>Values dropped at each end of a coordinate for <paramref name="clients"/> updates: ⌊β·n⌋.</summary>
    public int TrimmedPerSide(int clients) => (int)Math.Floor(Beta * clients);

    /// <inheritdoc />
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates)
    {
        var set = UpdateChecks.Canonical(updates, Name);
        var n = set.Length;
        var t = TrimmedPerSide(n);
        if (2 * t >= n)
        {
            throw new AggregationRefusedException(
                $"trimmed-mean with β = {Beta} drops ⌊β·n⌋ = {t} values at each end of every coordinate, which leaves nothing of n = {n} updates (it needs n > 2·{t} = {2 * t}).");
        }
        var kept = n - (2 * t);
        return Coordinatewise.ReduceColumns(UpdateChecks.Deltas(set), column =>
        {
            var span = column.AsSpan();
            if (t > 0)
            {
                // After the two selections, [t, n − t) holds exactly the middle n − 2t values.
                Coordinatewise.Select(span, t);
                Coordinatewise.Select(span[t..], kept - 1);
            }
            double sum = 0;
            foreach (var v in span.Slice(t, kept))
            {
                sum += v;
            }
            return (float)(sum / kept);
        });
    }
}
