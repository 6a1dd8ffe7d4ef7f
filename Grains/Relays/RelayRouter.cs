using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// Chooses a relay for a player. Each eligible relay (healthy, not full) gets an expected latency in milliseconds:
/// the round trip over the great-circle distance in fibre (2/3 c: 100 km per ms of round trip), the region matrix,
/// the relay's measured latency, a load penalty and a reputation penalty (<see cref="ReputationRules.RoutingPenaltyMs"/>);
/// teaching games add penalties for recent failures and low bandwidth and weigh reputation 3×, dogfights double the
/// latency terms. The lowest total wins; ties go to the larger stake, then to the smaller relay id, so the same inputs
/// always give the same relay.
/// </summary>
public static class RelayRouter
{
    /// <summary>Kilometres of fibre per millisecond of round trip.</summary>
    public const double KmPerRoundTripMs = 100;

    /// <summary>What keeps standby relays out of normal routing (they are chosen only when no primary fits).</summary>
    public const double StandbyPenaltyMs = 10_000;

    /// <summary>The best relay for a request, or null when none is eligible.</summary>
    /// <param name="relays">The relays, with <see cref="RelayView.Sessions"/> already counting sessions routed since their last heartbeat.</param>
    /// <param name="request">The player.</param>
    /// <param name="options">Region matrix and windows.</param>
    /// <param name="now">The time (for failure windows).</param>
    /// <param name="failover">When true, standby relays come first (a failover moves sessions to them before any primary).</param>
    /// <param name="exclude">A relay never to choose (the dead one).</param>
    public static (RelayView Relay, RouteScore Score, int Candidates)? Choose(
        IEnumerable<RelayView> relays, RouteRequest request, RelayOptions options, DateTimeOffset now, bool failover = false, string? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(relays);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var scored = relays
            .Where(r => r.Health == RelayHealth.Healthy && r.FreeCapacity > 0 && r.RelayId != exclude)
            .Select(r => (Relay: r, Score: Score(r, request, options, now, failover)))
            .ToList();
        if (scored.Count == 0)
        {
            return null;
        }
        var best = scored
            .OrderBy(s => Math.Round(s.Score.Total, 6))
            .ThenByDescending(s => s.Relay.Registration.StakedTokens)
            .ThenBy(s => s.Relay.RelayId, StringComparer.Ordinal)
            .First();
        return (best.Relay, best.Score, scored.Count);
    }

    /// <summary>Great-circle distance in kilometres (haversine, mean Earth radius 6371 km).</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(lat2 - lat1);
        var dLon = Radians(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * 6371 * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>How a relay scores for a request.</summary>
    public static RouteScore Score(RelayView relay, RouteRequest request, RelayOptions options, DateTimeOffset now, bool failover = false)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var registration = relay.Registration;
        var distance = DistanceKm(request.Latitude, request.Longitude, registration.Latitude, registration.Longitude);
        var propagation = distance / KmPerRoundTripMs;
        var region = options.RegionLatency(request.Region, registration.Region);
        var load = registration.Capacity == 0 ? 1 : Math.Min(1, relay.Sessions / (double)registration.Capacity);
        // A relay gets slower as it fills: up to 20 ms at capacity, most of it in the last quarter.
        var loadPenalty = 20 * load * load;
        var recentFailures = relay.Failures.Count(f => now - f <= options.QuarantineWindow);
        var stability = recentFailures * 25;
        var bandwidth = Math.Max(0, 100 - registration.BandwidthMbps) / 10;
        // Every game type weighs reputation (the design's RNA propagation: relays whose data trained promoted models are
        // found first among relays about as good); teaching games, which want a relay that lasts, weigh it 3×.
        var reputation = ReputationRules.RoutingPenaltyMs(relay.Reputation);
        var standby = registration.Role == RelayRole.Standby ? (failover ? -StandbyPenaltyMs : StandbyPenaltyMs) : 0;
        var (preference, total) = request.GameType switch
        {
            GameClass.Teaching => ("stable-high-bandwidth", propagation + region + relay.LatencyMs + loadPenalty + 3 * (stability + reputation) + 3 * bandwidth),
            GameClass.Dogfight => ("lowest-latency", 2 * (propagation + region + relay.LatencyMs + loadPenalty) + reputation),
            _ => ("nearest", propagation + region + relay.LatencyMs + loadPenalty + reputation),
        };
        var weighted = request.GameType == GameClass.Teaching;
        return new RouteScore(Math.Round(distance, 1), Math.Round(propagation, 3), region, relay.LatencyMs, Math.Round(loadPenalty, 3),
            weighted ? stability : 0, weighted ? Math.Round(bandwidth, 3) : 0, standby, Math.Round(total + standby, 3), preference,
            relay.Reputation, Math.Round(reputation, 3), weighted ? 3 : 1);
    }
}
