using System.Globalization;
using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.Ledger.Economics;

/// <summary>The subsidy and deposit rules the batch optimiser weighs, in base units.</summary>
/// <param name="Threshold">Stamps a batch must create to earn the HighQualityData subsidy (<see cref="SubsidyRules.HighQualityBatchStamps"/>).</param>
/// <param name="Subsidy">What the subsidy pays once per such batch.</param>
/// <param name="DepositPerStamp">Each stamp's deposit (paid whichever way the relay decides).</param>
/// <param name="HoldingCostPerGameHour">
/// What one pending game costs per hour it waits: it is not training data yet, and a game the other player's relay
/// also carried may be stamped by that relay first. By default one stamp deposit per game-hour.
/// </param>
public sealed record StampBatchRules(int Threshold, long Subsidy, long DepositPerStamp, long HoldingCostPerGameHour)
{
    /// <summary>The rules of the subsidy pool with a stamp deposit of <paramref name="depositPerStamp"/>; holding costs one deposit per game-hour.</summary>
    public static StampBatchRules Of(long depositPerStamp) =>
        new(SubsidyRules.HighQualityBatchStamps, SubsidyRules.Amount(SubsidyReason.HighQualityData), depositPerStamp, depositPerStamp);
}

/// <summary>Where a relay stands with its consensus games not yet stamped.</summary>
/// <param name="PendingGames">Consensus games not yet submitted.</param>
/// <param name="ConsensusGamesPerHour">New consensus games per hour, recently.</param>
/// <param name="Waited">How long the oldest pending game has waited.</param>
/// <param name="MaxWait">The bound: no game waits longer than this.</param>
public sealed record StampBatchSituation(int PendingGames, double ConsensusGamesPerHour, TimeSpan Waited, TimeSpan MaxWait);

/// <summary>
/// The design's batch optimiser: whether a relay should submit its pending consensus games now or hold them until the
/// batch reaches the HighQualityData threshold. Games arrive as a Poisson process at the recent consensus rate, so
/// the chance that the k games still missing arrive within the time left before the bound is P(N ≥ k), N ~ Poisson(rate ×
/// time left), and the expected holding time is E[min(T_k, time left)], T_k the k-th arrival. Over the same pending games:
/// submitting now is worth the subsidy if the batch already reaches the threshold, less the deposits; waiting is worth
/// the subsidy times that chance, less the deposits, less the holding cost. The higher wins; a tie submits now (the
/// stamps are training data sooner). Whatever is pending once the bound has passed is submitted.
/// </summary>
public static class StampBatchOptimiser
{
    /// <summary>The default bound on how long a pending game waits.</summary>
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromMinutes(2);

    /// <summary>The advice for <paramref name="situation"/> under <paramref name="rules"/>.</summary>
    public static StampBatchAdvice Advise(StampBatchSituation situation, StampBatchRules rules)
    {
        ArgumentNullException.ThrowIfNull(situation);
        ArgumentNullException.ThrowIfNull(rules);
        var n = Math.Max(0, situation.PendingGames);
        var rate = double.IsFinite(situation.ConsensusGamesPerHour) ? Math.Max(0, situation.ConsensusGamesPerHour) : 0;
        var waited = situation.Waited < TimeSpan.Zero ? TimeSpan.Zero : situation.Waited;
        var maxWait = situation.MaxWait < TimeSpan.Zero ? TimeSpan.Zero : situation.MaxWait;
        var missing = Math.Max(0, rules.Threshold - n);
        var hoursLeft = Math.Max(0, (maxWait - waited).TotalHours);
        var expectedArrivals = rate * hoursLeft;

        var chance = missing == 0 ? 1.0 : AtLeast(missing, expectedArrivals);
        // E[min(T_k, h)] = (k/rate)·P(N ≥ k+1) + h·P(N ≤ k−1), N ~ Poisson(rate·h).
        var expectedHold = missing == 0 ? 0.0
            : rate == 0 ? hoursLeft
            : (missing / rate * AtLeast(missing + 1, expectedArrivals)) + (hoursLeft * (1 - AtLeast(missing, expectedArrivals)));
        var deposits = checked(n * rules.DepositPerStamp);
        var submitNow = (n >= rules.Threshold ? rules.Subsidy : 0) - deposits;
        // Nothing pending: no batch either way, so both choices are worth nothing.
        var wait = n == 0 ? 0 : (long)Math.Floor(chance * rules.Subsidy) - deposits - (long)Math.Ceiling(n * expectedHold * rules.HoldingCostPerGameHour);
        var action = n > 0 && wait > submitNow ? StampBatchAction.Wait : StampBatchAction.SubmitNow;

        var reasons = new List<string>();
        if (n == 0)
        {
            action = StampBatchAction.Wait;
            reasons.Add("No consensus games are pending: there is nothing to submit.");
        }
        else if (missing == 0)
        {
            reasons.Add(Text($"{n} pending games reach the threshold of {rules.Threshold}: a batch now earns the {Mcp.Format(rules.Subsidy)} subsidy, and waiting earns no more (one subsidy per batch)."));
        }
        else if (hoursLeft == 0)
        {
            reasons.Add(Text($"The oldest pending game has waited {waited.TotalSeconds:0} s, the bound of {maxWait.TotalSeconds:0} s: submit what is pending."));
        }
        else if (rate == 0)
        {
            reasons.Add(Text($"{n} pending of {rules.Threshold}, and no games were stamped recently: waiting cannot be expected to reach the threshold."));
        }
        else
        {
            reasons.Add(Text($"{n} pending of {rules.Threshold}; {missing} more expected in {missing / rate:0.##} h at {rate:0.##} games/h; {hoursLeft * 3600:0} s left before the {maxWait.TotalSeconds:0} s bound."));
            reasons.Add(Text($"Chance to reach the threshold in time {chance:P1}: waiting is worth {chance:0.####} × {Mcp.Format(rules.Subsidy)} subsidy less {n} × {expectedHold:0.####} h × {Mcp.Format(rules.HoldingCostPerGameHour)} per game-hour holding."));
        }
        if (n > 0)
        {
            reasons.Add(Text($"Deposits of {n} × {Mcp.Format(rules.DepositPerStamp)} = {Mcp.Format(deposits)} are paid either way (returned at burns, less a tenth per model use)."));
            reasons.Add(action == StampBatchAction.Wait
                ? Text($"Wait: {Mcp.Format(wait)} expected against {Mcp.Format(submitNow)} for submitting now.")
                : Text($"Submit now: {Mcp.Format(submitNow)} expected against {Mcp.Format(wait)} for waiting."));
        }
        return new StampBatchAdvice(action, n, rules.Threshold, rules.Subsidy, rules.DepositPerStamp, rules.HoldingCostPerGameHour,
            Math.Round(rate, 4), (long)waited.TotalSeconds, (long)maxWait.TotalSeconds,
            rate > 0 ? Math.Round(missing / rate, 4) : missing == 0 ? 0 : null,
            (int)Math.Round(chance * TokenEconomics.One), submitNow, wait, reasons);
    }

    /// <summary>P(N ≥ k) for N ~ Poisson(λ).</summary>
    public static double AtLeast(int k, double lambda)
    {
        if (k <= 0)
        {
            return 1;
        }
        if (lambda <= 0)
        {
            return 0;
        }
        double term = Math.Exp(-lambda), below = 0;
        for (var i = 0; i < k; i++)
        {
            below += term;
            term *= lambda / (i + 1);
        }
        return Math.Clamp(1 - below, 0, 1);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
