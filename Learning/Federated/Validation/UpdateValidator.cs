namespace OrleansGoRelay.Learning.Federated.Validation;

/// <summary>What happens to an update.</summary>
public enum UpdateVerdict
{
    /// <summary>It counts.</summary>
    Accepted,

    /// <summary>It counts, but its client is marked (reputation; three flags in a row are the cluster's quarantine signal).</summary>
    Flagged,

    /// <summary>It does not count.</summary>
    Rejected,
}

/// <summary>The thresholds an update is judged by.</summary>
/// <param name="MaxNorm">Largest acceptable L2 norm (a client clipped to S never exceeds it; a scaled attack does).</param>
/// <param name="FlagScore">Anomaly score above which the client is flagged.</param>
/// <param name="RejectScore">Anomaly score above which the update is rejected.</param>
/// <param name="MaxLossIncrease">Largest acceptable rise of the validation loss when the update alone is applied (nats).</param>
public sealed record UpdateValidationOptions(double MaxNorm = double.PositiveInfinity, double FlagScore = 3.0, double RejectScore = 6.0, double MaxLossIncrease = 0.5);

/// <summary>One update's examination.</summary>
/// <param name="ClientId">Whose update.</param>
/// <param name="Verdict">Accepted, flagged or rejected.</param>
/// <param name="Reason">Why it was not simply accepted (null when it was).</param>
/// <param name="Norm">Its L2 norm.</param>
/// <param name="DistanceToCentre">Its L2 distance to the round's robust centre.</param>
/// <param name="CosineToCentre">The cosine between it and the centre: the gradient-quality signal of the contribution score.</param>
/// <param name="LossChange">The validation loss with it applied minus the loss without (null when not measured).</param>
/// <param name="AnomalyScore">The largest of its robust z-scores of norm, distance and loss change (one-sided: only "worse than the others" counts).</param>
public sealed record UpdateCheck(string ClientId, UpdateVerdict Verdict, string? Reason, double Norm, double DistanceToCentre, double CosineToCentre, double? LossChange, double AnomalyScore);

/// <summary>
/// Checks each update before it counts, in the order of cost: its shape and finiteness, its norm against the bound,
/// its norm and its distance to the round's robust centre (the coordinate-wise median of the updates) and, when a
/// validation shard is given, the loss it causes there. Distances and losses are compared with the round's others through robust z-scores
/// (median and 1.4826 × the median absolute deviation), so the bar moves with the round: honest non-identical clients
/// spread, and an attacker stands out because it is far from where most of them agree.
/// </summary>
public static class UpdateValidator
{
    /// <summary>
    /// Examines <paramref name="updates"/>: <paramref name="expectedLength"/> parameters each; <paramref name="centre"/> is
    /// the round's robust centre of the updates (computed by the caller, with the median rule);
    /// <paramref name="lossChange"/> (optional) measures the validation loss change of one delta.
    /// </summary>
    public static IReadOnlyList<UpdateCheck> Check(IReadOnlyList<ClientUpdate> updates, int expectedLength, float[]? centre, UpdateValidationOptions options, Func<float[], double>? lossChange = null)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(options);
        var checks = new UpdateCheck?[updates.Count];
        var norms = new double[updates.Count];
        var sound = new List<int>();
        for (var i = 0; i < updates.Count; i++)
        {
            var u = updates[i];
            string? reason = null;
            if (u.Delta.Length != expectedLength)
            {
                reason = $"shape: {u.Delta.Length:N0} parameters, the model has {expectedLength:N0}";
            }
            else if (!VectorMath.AllFinite(u.Delta))
            {
                reason = "not finite: the update holds NaN or infinity";
            }
            else if (u.Examples < 1)
            {
                reason = $"claims {u.Examples} training examples";
            }
            else
            {
                norms[i] = VectorMath.L2Norm(u.Delta);
                if (norms[i] > options.MaxNorm)
                {
                    reason = $"norm {norms[i]:G4} above the bound {options.MaxNorm:G4}";
                }
            }
            if (reason is not null)
            {
                checks[i] = new UpdateCheck(u.ClientId, UpdateVerdict.Rejected, reason, norms[i], double.NaN, double.NaN, null, double.PositiveInfinity);
            }
            else
            {
                sound.Add(i);
            }
        }

        var distances = new double[updates.Count];
        var cosines = new double[updates.Count];
        var losses = new double?[updates.Count];
        foreach (var i in sound)
        {
            if (centre is not null && centre.Length == expectedLength)
            {
                distances[i] = Math.Sqrt(VectorMath.SquaredDistance(updates[i].Delta, centre));
                cosines[i] = VectorMath.Cosine(updates[i].Delta, centre);
            }
            losses[i] = lossChange?.Invoke(updates[i].Delta);
        }
        // An update that makes the validation loss infinite or NaN (a scaled attack overflows the logits) is rejected
        // before any z-score: a NaN among the round's values would corrupt every score's median, and a NaN score
        // compares false with every threshold, which once let such updates through as "accepted".
        foreach (var i in sound.Where(i => losses[i] is { } loss && !double.IsFinite(loss)).ToList())
        {
            checks[i] = new UpdateCheck(updates[i].ClientId, UpdateVerdict.Rejected, $"the validation loss is not finite with it applied ({losses[i]})",
                norms[i], distances[i], cosines[i], losses[i], double.PositiveInfinity);
            sound.Remove(i);
        }
        var distanceZ = RobustZ(sound.Select(i => distances[i]).ToList());
        // A scaled update points where the others do (its distance to the centre grows only with its size): its norm
        // against the round's norms is what gives it away.
        var normZ = RobustZ(sound.Select(i => norms[i]).ToList());
        var lossZ = lossChange is null ? null : RobustZ(sound.Select(i => losses[i]!.Value).ToList());
        for (var k = 0; k < sound.Count; k++)
        {
            var i = sound[k];
            var score = Math.Max(0, Math.Max(normZ[k], centre is null ? 0 : distanceZ[k]));
            if (lossZ is not null)
            {
                score = Math.Max(score, lossZ[k]);
            }
            var (verdict, reason) = losses[i] > options.MaxLossIncrease
                ? (UpdateVerdict.Rejected, $"raises the validation loss by {losses[i]:G3} (bound {options.MaxLossIncrease:G3})")
                : double.IsNaN(score) ? (UpdateVerdict.Rejected, "anomaly score is not a number")
                : score > options.RejectScore ? (UpdateVerdict.Rejected, $"anomaly score {score:F1} above {options.RejectScore:F1}")
                : score > options.FlagScore ? (UpdateVerdict.Flagged, $"anomaly score {score:F1} above {options.FlagScore:F1}")
                : (UpdateVerdict.Accepted, (string?)null);
            checks[i] = new UpdateCheck(updates[i].ClientId, verdict, reason, norms[i], distances[i], cosines[i], losses[i], score);
        }
        return [.. checks.Select(c => c!)];
    }

    /// <summary>
    /// (x − median) / (1.4826 · MAD) for each value; with fewer than three values, or all of them alike, every score is 0
    /// except for values away from the median, which score by their distance relative to the median's size.
    /// </summary>
    public static double[] RobustZ(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 3)
        {
            return new double[values.Count];
        }
        var median = Median(values);
        var mad = Median(values.Select(v => Math.Abs(v - median)).ToList());
        var spread = 1.4826 * mad;
        if (!(spread > 0))
        {
            spread = Math.Max(Math.Abs(median) * 0.05, 1e-12);
        }
        return [.. values.Select(v => (v - median) / spread)];
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
