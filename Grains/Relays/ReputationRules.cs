using System.Globalization;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>How a sampled relay took part in a federated round, as far as its reputation is concerned.</summary>
public enum RoundParticipation
{
    /// <summary>Its update is in the aggregate.</summary>
    Included,

    /// <summary>Its update is in the aggregate, but the update validator marked it as an outlier.</summary>
    Flagged,

    /// <summary>The update validator refused its update.</summary>
    Rejected,

    /// <summary>It did not answer a stage before its deadline.</summary>
    DroppedOut,

    /// <summary>It answered every stage, but the round failed as a whole (not its doing).</summary>
    Answered,
}

/// <summary>
/// One change of one relay's reputation. <paramref name="EventKey"/> names the event that causes it, once: a store
/// applies a key at most once, so a settlement, promotion or quarantine retried after a crash changes nothing twice.
/// </summary>
/// <param name="EventKey">The causing event, e.g. <c>promotion:{modelHash}:{relayId}</c>.</param>
/// <param name="RelayId">Whose reputation.</param>
/// <param name="Delta">Points to add (negative to take).</param>
/// <param name="Reason">Why, for the audit log (<c>relays.reputation_events</c>).</param>
public sealed record ReputationChange(string EventKey, string RelayId, int Delta, string Reason);

/// <summary>
/// The one place that says what a relay's reputation is worth and what moves it (the design's RNA propagation: a
/// relay whose data proves useful is found more often). Reputation is 0..100 and starts at 50. It rises by
/// <see cref="StampCreated"/> per training stamp the relay creates and by <see cref="PerStampInPromotedModel"/> per
/// stamp of its games that trained a promoted model (at most <see cref="MaxPerPromotion"/> per promotion, so one big
/// data set does not buy the top at once); it falls when the relay fails a round it was sampled for (dropped out
/// <see cref="DroppedOut"/>, update rejected <see cref="Rejected"/>, update flagged <see cref="Flagged"/>) and when it
/// is quarantined (<see cref="Quarantined"/>). It is read by routing (<see cref="RoutingPenaltyMs"/>) and by the
/// round scheduler's sampling (<see cref="SelectionWeight"/>). Pure: no I/O, no clock.
/// </summary>
public static class ReputationRules
{
    /// <summary>A new relay's reputation.</summary>
    public const int Initial = 50;

    /// <summary>The lowest reputation.</summary>
    public const int Min = 0;

    /// <summary>The highest reputation.</summary>
    public const int Max = 100;

    /// <summary>For each training stamp a relay creates (a consensus game it carried).</summary>
    public const int StampCreated = 1;

    /// <summary>For each of a relay's stamps among the games that trained a promoted model version.</summary>
    public const int PerStampInPromotedModel = 2;

    /// <summary>The most one promotion adds to one relay.</summary>
    public const int MaxPerPromotion = 10;

    /// <summary>Sampled for a round and silent past a stage's deadline: the round waited for it in vain.</summary>
    public const int DroppedOut = -3;

    /// <summary>Its update counted but stood out from the round's others (anomaly score above the flag bar).</summary>
    public const int Flagged = -2;

    /// <summary>Its update was refused (shape, non-finite values, norm, or an anomaly score above the reject bar).</summary>
    public const int Rejected = -5;

    /// <summary>Quarantined (three deaths in the window, or three failed rounds in a row).</summary>
    public const int Quarantined = -10;

    /// <summary>Milliseconds of routing penalty per point below <see cref="Max"/>: 10 ms at 0, 5 ms at 50, none at 100.</summary>
    public const double RoutingMsPerPoint = 0.1;

    /// <summary>A reputation after <paramref name="delta"/>, clamped to <see cref="Min"/>..<see cref="Max"/>.</summary>
    public static int Apply(int reputation, int delta) => Math.Clamp(reputation + delta, Min, Max);

    /// <summary>The point for creating a stamp (once per stamp: its id is its game's).</summary>
    public static ReputationChange ForStamp(string stampId, string ownerRelay) =>
        new("stamp:" + stampId, ownerRelay, StampCreated, "training stamp " + stampId + " created");

    /// <summary>
    /// What a promotion of <paramref name="modelHash"/> gives the owners of the stamps that trained it: one change per
    /// owner (ordinal order), keyed by model and relay, so promoting the same version again (a retry, or a roll-back
    /// and forward) gives nothing more. Duplicate stamp ids count once.
    /// </summary>
    public static IReadOnlyList<ReputationChange> ForPromotion(string modelHash, IEnumerable<(string StampId, string OwnerRelay)> stamps)
    {
        ArgumentNullException.ThrowIfNull(stamps);
        return [.. stamps.DistinctBy(s => s.StampId, StringComparer.Ordinal)
            .GroupBy(s => s.OwnerRelay, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ReputationChange($"promotion:{modelHash}:{g.Key}", g.Key, Math.Min(MaxPerPromotion, PerStampInPromotedModel * g.Count()),
                string.Create(CultureInfo.InvariantCulture, $"{g.Count()} stamps trained promoted model {modelHash}")))];
    }

    /// <summary>
    /// How a sampled relay took part, from the round protocol's participant status (<c>included</c>, <c>rejected</c>,
    /// <c>dropped</c>, <c>answered</c>, <c>waiting</c>) and the validator's flags. A relay never heard from counts as
    /// dropped out; one that answered every stage of a round that failed as a whole is blameless.
    /// </summary>
    public static RoundParticipation Participation(string? status, bool included, bool flagged) =>
        flagged ? RoundParticipation.Flagged
        : included ? RoundParticipation.Included
        : status switch
        {
            "rejected" => RoundParticipation.Rejected,
            "answered" => RoundParticipation.Answered,
            _ => RoundParticipation.DroppedOut,
        };

    /// <summary>What taking part in round <paramref name="roundId"/> costs a sampled relay (null when nothing: included, or blameless).</summary>
    public static ReputationChange? ForRound(string roundId, string relayId, RoundParticipation participation)
    {
        var (delta, why) = participation switch
        {
            RoundParticipation.DroppedOut => (DroppedOut, "dropped out of"),
            RoundParticipation.Rejected => (Rejected, "update rejected in"),
            RoundParticipation.Flagged => (Flagged, "update flagged in"),
            _ => (0, ""),
        };
        return delta == 0 ? null : new ReputationChange($"round:{roundId}:{relayId}", relayId, delta, $"{why} round {roundId}");
    }

    /// <summary>What a quarantine costs; keyed by the time it began, so each quarantine counts once.</summary>
    public static ReputationChange ForQuarantine(string relayId, DateTimeOffset at, string reason) =>
        new(string.Create(CultureInfo.InvariantCulture, $"quarantine:{relayId}:{at.UtcDateTime:O}"), relayId, Quarantined, "quarantined: " + reason);

    /// <summary>
    /// The routing penalty in milliseconds: 0.1 ms per point below 100 (0..10 ms). Small next to distance (10 ms is
    /// 1,000 km of fibre) so reputation never sends a player across a continent, but it breaks what would be ties and
    /// prefers the relay whose data proved useful among relays about as near.
    /// </summary>
    public static double RoutingPenaltyMs(int reputation) => (Max - Math.Clamp(reputation, Min, Max)) * RoutingMsPerPoint;

    /// <summary>
    /// A relay's weight in the round scheduler's weighted sampling without replacement: its stake × (0.5 + reputation /
    /// 100), so 0.5× at 0, 1× at the starting 50 and 1.5× at 100. Weighted sampling rather than top-k: a relay at 100
    /// is drawn at most three times as often as an equal stake at 0, and every staked relay keeps a chance each round.
    /// </summary>
    public static double SelectionWeight(double stake, int reputation) => stake * (0.5 + (Math.Clamp(reputation, Min, Max) / 100.0));
}
