using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Learning.Federated.Contributions;

/// <summary>What the server observed of one client in a round (or a run), the inputs of both contribution values.</summary>
/// <param name="ClientId">The client (its ledger account in the cluster).</param>
/// <param name="ComputeSeconds">Its local training time.</param>
/// <param name="CosineToCentre">Cosine between its update and the round's robust centre (gradient quality; negative for an update pulling the other way).</param>
/// <param name="BytesTransmitted">Bytes it sent.</param>
/// <param name="RoundsAnswered">Rounds it was sampled for and answered in time.</param>
/// <param name="RoundsSampled">Rounds it was sampled for.</param>
/// <param name="Shapley">Its Shapley-style value (validation accuracy it adds; null when not estimated).</param>
public sealed record ClientObservation(string ClientId, double ComputeSeconds, double CosineToCentre, long BytesTransmitted, int RoundsAnswered, int RoundsSampled, double? Shapley);

/// <summary>Which signal stands for gradient quality in the ledger's score.</summary>
public enum QualitySource
{
    /// <summary>The update's agreement with the robust centre, max(0, cosine).</summary>
    Agreement,

    /// <summary>The Shapley-style value relative to the round's best (negative values count as 0).</summary>
    Shapley,
}

/// <summary>
/// Turns observations into the ledger's <see cref="Contribution"/>s, whose score (40 % compute, 30 % gradient quality,
/// 20 % data, 10 % uptime) and 80 % / 20 % / quality-bonus split <see cref="TokenEconomics.ContributionRewards"/>
/// computes: the multi-factor value with gradient quality from agreement, or the same with the Shapley estimate as
/// gradient quality, so a client that adds nothing to validation accuracy earns only for compute, data and uptime.
/// </summary>
public static class ContributionValues
{
    /// <summary>The ledger's contributions for these observations.</summary>
    public static IReadOnlyList<Contribution> ToContributions(IReadOnlyList<ClientObservation> observations, QualitySource quality)
    {
        ArgumentNullException.ThrowIfNull(observations);
        var best = observations.Select(o => o.Shapley ?? 0).DefaultIfEmpty(0).Max();
        return [.. observations.Select(o => new Contribution(
            o.ClientId,
            (long)Math.Ceiling(Math.Max(0, o.ComputeSeconds)),
            quality switch
            {
                QualitySource.Agreement => BasisPoints(o.CosineToCentre),
                QualitySource.Shapley => best > 0 ? BasisPoints((o.Shapley ?? 0) / best) : 0,
                _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, "unknown quality source"),
            },
            Math.Max(0, o.BytesTransmitted),
            o.RoundsSampled > 0 ? BasisPoints((double)o.RoundsAnswered / o.RoundsSampled) : 0))];
    }

    /// <summary>The settlement legs of <paramref name="pool"/> among the observed clients (they sum exactly to the pool).</summary>
    public static IReadOnlyList<SplitLeg> Settle(long pool, IReadOnlyList<ClientObservation> observations, QualitySource quality, int topCount = 3) =>
        TokenEconomics.ContributionRewards(pool, ToContributions(observations, quality), topCount);

    private static int BasisPoints(double fraction) => double.IsFinite(fraction) ? (int)Math.Round(Math.Clamp(fraction, 0, 1) * 10_000) : 0;
}
