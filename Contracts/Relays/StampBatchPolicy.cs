namespace OrleansGoRelay.Contracts.Relays;

/// <summary>Whether a relay submits its pending consensus games now, and why.</summary>
/// <param name="Submit">True: send the batch now; false: hold the games.</param>
/// <param name="Reason">Why, in words (the relay logs it).</param>
public sealed record StampBatchDecision(bool Submit, string Reason);

/// <summary>
/// How a relay agent follows the gateway's batch optimiser (<see cref="StampBatchAdvice"/>): it holds its pending games
/// while the advice says wait, and submits them when it says submit now, once the oldest has waited the bound (the
/// relay's own, whatever the advice), or when there is no advice to follow (a gateway without the route, or one that
/// did not answer), so no game waits forever and a relay never stamps less than it did before it had an optimiser.
/// </summary>
public static class StampBatchPolicy
{
    /// <summary>The decision for <paramref name="pending"/> games, the oldest waiting <paramref name="waited"/>.</summary>
    /// <param name="pending">Consensus games not yet submitted.</param>
    /// <param name="waited">How long the oldest has waited.</param>
    /// <param name="maxWait">The relay's bound.</param>
    /// <param name="advice">The optimiser's advice for these games, or null when there is none.</param>
    /// <param name="adviceMissing">Why there is no advice (logged), when <paramref name="advice"/> is null.</param>
    public static StampBatchDecision Decide(int pending, TimeSpan waited, TimeSpan maxWait, StampBatchAdvice? advice, string? adviceMissing = null)
    {
        if (pending <= 0)
        {
            return new(false, "nothing pending");
        }
        if (waited >= maxWait)
        {
            return new(true, $"the oldest game waited {waited.TotalSeconds:0} s, the bound of {maxWait.TotalSeconds:0} s");
        }
        if (advice is null)
        {
            return new(true, $"no advice to follow ({adviceMissing ?? "none"}): submitting as without an optimiser");
        }
        var summary = $"{advice.PendingGames} pending, submit now {advice.SubmitNow} vs wait {advice.Wait}: {string.Join(" ", advice.Reasons)}";
        return advice.Action == StampBatchAction.Wait ? new(false, "advice wait: " + summary) : new(true, "advice submit now: " + summary);
    }
}
