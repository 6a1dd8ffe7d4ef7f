using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Learning.Federated.Aggregation;
using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Learning.Federated.Privacy;
using OrleansGoRelay.Learning.Federated.Validation;

namespace OrleansGoRelay.Learning.Federated.Rounds;

/// <summary>The privacy run a round belongs to: its mechanism's parameters and the accountant's state before the round.</summary>
/// <param name="Settings">The round's privacy settings.</param>
/// <param name="SamplingRate">q: sampled relays over eligible ones.</param>
/// <param name="Population">Eligible relays.</param>
/// <param name="Before">The DP-FedAvg state after the previous private round (null for the first).</param>
/// <param name="Seed">The run's noise seed when <paramref name="Before"/> is null (the first round; a later round's seed is its state's); null draws one.</param>
public sealed record PrivacyRun(PrivacySettings Settings, double SamplingRate, long Population, DpFedAvgState? Before, ulong? Seed = null)
{
    /// <summary>z: as set, or derived from the budget over the planned rounds.</summary>
    public double NoiseMultiplier => Settings.NoiseMultiplier
        ?? RdpAccountant.NoiseMultiplierFor(Settings.Epsilon, Settings.Delta, SamplingRate, Math.Max(1, Settings.PlannedRounds));

    /// <summary>The aggregator of the run, resumed from <see cref="Before"/>.</summary>
    public DifferentiallyPrivateAggregator Aggregator() => new(
        new DpFedAvgOptions(Settings.Clip, NoiseMultiplier, SamplingRate, Population) { Budget = new PrivacyBudget(Settings.Epsilon, Settings.Delta), Seed = Seed },
        Before);
}

/// <summary>A round's aggregate and what it cost and earned each participant.</summary>
/// <param name="Candidate">The new weights (the round's starting weights when the aggregation was refused).</param>
/// <param name="Included">Relays whose updates are in the aggregate.</param>
/// <param name="Rejected">Relays whose plain updates the validator rejected, with why.</param>
/// <param name="Observations">The contribution inputs of every participant that answered.</param>
/// <param name="Quality">Which quality signal the observations carry.</param>
/// <param name="Privacy">The DP-FedAvg state after the round (with privacy).</param>
/// <param name="EpsilonSpent">ε spent after the round (with privacy).</param>
/// <param name="NoiseStandardDeviation">The noise per coordinate (with privacy).</param>
/// <param name="Refused">Why no aggregate was formed, or null.</param>
/// <param name="Seconds">Server seconds per step (validation, aggregation, contribution).</param>
/// <param name="Flagged">Relays whose plain updates count but that the validator flagged as outliers (the cluster lowers their reputation).</param>
public sealed record AggregationOutcome(
    float[] Candidate, IReadOnlyList<string> Included, IReadOnlyDictionary<string, string> Rejected, IReadOnlyList<ClientObservation> Observations,
    QualitySource Quality, DpFedAvgState? Privacy, double? EpsilonSpent, double? NoiseStandardDeviation, string? Refused, IReadOnlyDictionary<string, double> Seconds,
    IReadOnlyList<string>? Flagged = null);

/// <summary>
/// The server's half of a round after its last stage closed, the same steps as the simulator's: plain updates are
/// checked by <see cref="UpdateValidator"/> (without privacy), aggregated by the round's rule or by DP-FedAvg; a secure
/// sum is divided by the weight it carries or released through DP-FedAvg; the server optimiser applies the aggregate.
/// Contribution inputs: compute and bytes as measured, uptime as answered/sampled, gradient quality from the agreement
/// with the round's median or the Shapley-style estimate for plain updates; with secure aggregation no single update is
/// ever seen, so every survivor gets the round's own quality (1 when the aggregate lowered the validation loss, else 0);
/// above <see cref="MaxShapleyClients"/> plain updates the agreement stands in for the Shapley estimate.
/// </summary>
public static class RoundAggregator
{
    /// <summary>The most accepted updates the Shapley-style estimate is computed for.</summary>
    public const int MaxShapleyClients = 20;

    /// <summary>Aggregates <paramref name="protocol"/>'s round from <paramref name="global"/>.</summary>
    public static AggregationOutcome Aggregate(RoundProtocol protocol, ParameterLayout layout, float[] global, PrivacyRun? privacy, ValidationShard smallShard, int shapleyPermutations = 20)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(smallShard);
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var server = ServerOptimizers.Create("sgd", 1.0);
        var dp = privacy?.Aggregator();
        var rejected = new Dictionary<string, string>(StringComparer.Ordinal);
        var flagged = new List<string>();
        var cosines = new Dictionary<string, double>(StringComparer.Ordinal);
        var shapley = new Dictionary<string, double>(StringComparer.Ordinal);
        float[] aggregate;
        List<string> included;
        string? refused = null;
        var quality = QualitySource.Agreement;
        var before = smallShard.Score(global).Loss;

        if (protocol.SecureSum is { } sum)
        {
            var length = layout.Length;
            aggregate = sum.Sum.AsSpan(0, length).ToArray();
            included = [.. protocol.SecureSurvivors];
            if (dp is not null)
            {
                dp.Release(aggregate, included.Count, (int)Math.Round(sum.Sum[length + 1]));
            }
            else if (sum.Sum[length] > 0)
            {
                VectorMath.Scale(aggregate, 1 / sum.Sum[length]);
            }
            seconds["aggregation"] = Lap(clock);
            var improved = smallShard.ScoreWith(global, aggregate).Loss < before;
            foreach (var id in included)
            {
                cosines[id] = improved ? 1 : 0;
            }
        }
        else
        {
            var updates = protocol.PlainUpdates.Values.OrderBy(u => u.ClientId, StringComparer.Ordinal).ToList();
            var centre = updates.Count >= 3 ? new CoordinateMedian().Aggregate([.. updates.Where(u => u.Delta.Length == layout.Length && VectorMath.AllFinite(u.Delta))]) : null;
            if (dp is null && updates.Count >= 3)
            {
                var checks = UpdateValidator.Check(updates, layout.Length, centre, new UpdateValidationOptions(), delta => smallShard.ScoreWith(global, delta).Loss - before);
                foreach (var check in checks.Where(c => c.Verdict == UpdateVerdict.Rejected))
                {
                    rejected[check.ClientId] = check.Reason ?? "rejected by the update validator";
                }
                flagged.AddRange(checks.Where(c => c.Verdict == UpdateVerdict.Flagged).Select(c => c.ClientId));
            }
            seconds["validation"] = Lap(clock);
            var accepted = updates.Where(u => !rejected.ContainsKey(u.ClientId)).ToList();
            included = [.. accepted.Select(u => u.ClientId)];
            try
            {
                aggregate = dp is not null ? dp.Aggregate(accepted)
                    : accepted.Count == 0 ? throw new AggregationRefusedException("every update was rejected")
                    : AggregationRules.Create(protocol.Start.Strategy, Math.Max(0, (accepted.Count - 3) / 4)).Aggregate(accepted);
            }
            catch (AggregationRefusedException e)
            {
                refused = e.Message;
                aggregate = new float[layout.Length];
                included = [];
            }
            seconds["aggregation"] = Lap(clock);
            if (centre is not null)
            {
                foreach (var u in accepted)
                {
                    cosines[u.ClientId] = VectorMath.Cosine(u.Delta, centre);
                }
            }
            // Shapley-style values cost a validation score per coalition tried (20 permutations × n): beyond 20 relays the
            // agreement with the median stands for gradient quality, so a round of 1,000 stays within its time bound.
            if (refused is null && accepted.Count is > 0 and <= MaxShapleyClients && dp is null)
            {
                // Shapley-style values: the validation top-1 of the average of each coalition's updates.
                var estimator = new ShapleyEstimator(set => set.Count == 0
                    ? smallShard.Score(global).Top1
                    : smallShard.ScoreWith(global, VectorMath.WeightedMean([.. set.Select(i => accepted[i].Delta)], [.. set.Select(i => (double)accepted[i].Examples)])).Top1);
                var method = accepted.Count <= 3 ? ShapleyMethod.LeaveOneOut : ShapleyMethod.MonteCarlo;
                var values = estimator.Estimate(method, accepted.Count, shapleyPermutations, protocol.Start.RoundId.GetHashCode(StringComparison.Ordinal));
                for (var i = 0; i < accepted.Count; i++)
                {
                    shapley[accepted[i].ClientId] = values[i];
                }
                quality = QualitySource.Shapley;
            }
        }

        var candidate = refused is null ? ServerStep.Apply(server, layout, global, aggregate) : (float[])global.Clone();
        var observations = protocol.Contributions
            .Where(c => c.Metrics is not null && !rejected.ContainsKey(c.RelayId))
            .Select(c => new ClientObservation(c.RelayId, c.Metrics!.ComputeSeconds, cosines.GetValueOrDefault(c.RelayId), c.Bytes,
                included.Contains(c.RelayId) ? 1 : 0, 1, quality == QualitySource.Shapley ? shapley.GetValueOrDefault(c.RelayId) : null))
            .ToList();
        seconds["contributions"] = Lap(clock);
        return new AggregationOutcome(candidate, included, rejected, observations, quality, dp?.State, dp?.EpsilonSpent, dp?.LastRound?.NoiseStandardDeviation, refused, seconds,
            [.. flagged.Where(included.Contains)]);
    }

    private static double Lap(System.Diagnostics.Stopwatch clock)
    {
        var s = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return s;
    }
}
