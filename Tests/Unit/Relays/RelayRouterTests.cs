using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>Routing rules: nearest healthy relay with capacity, teaching prefers stable high bandwidth, dogfight the lowest latency.</summary>
public sealed class RelayRouterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly RelayOptions Options = new();

    private static RelayView Relay(string id, double lat, double lon, double latencyMs = 5, double bandwidth = 100, int sessions = 0, int capacity = 100,
        RelayHealth health = RelayHealth.Healthy, RelayRole role = RelayRole.Primary, long stake = 0, int failures = 0, string region = "eu-west") =>
        new(new RelayRegistration(id, "key", region, lat, lon, capacity, bandwidth, true, $"ws://{id}", stake, role), health, sessions, 0, latencyMs, 0, 50,
            [.. Enumerable.Repeat(Now.AddMinutes(-1), failures)], Now, Now, Now, null);

    // Amsterdam, Paris, New York; the player is in Brussels.
    private static readonly RouteRequest Brussels = new("p", 50.85, 4.35, GameClass.Standard, "eu-west");

    [Fact]
    public void StandardGamesGoToTheNearestHealthyRelayWithCapacityAndTheScoreExplainsWhy()
    {
        RelayView[] relays = [Relay("ams", 52.37, 4.90), Relay("par", 48.86, 2.35), Relay("nyc", 40.71, -74.0, region: "us-east")];
        var choice = RelayRouter.Choose(relays, Brussels, Options, Now)!.Value;
        Assert.Equal("ams", choice.Relay.RelayId);
        Assert.Equal(3, choice.Candidates);
        Assert.Equal("nearest", choice.Score.Preference);
        Assert.InRange(choice.Score.DistanceKm, 170, 180);
        Assert.Equal(choice.Score.PropagationMs + choice.Score.RelayLatencyMs + choice.Score.LoadPenaltyMs + choice.Score.ReputationPenaltyMs, choice.Score.Total, 3);
        Assert.Equal((50, 5, 1), (choice.Score.Reputation, choice.Score.ReputationPenaltyMs, choice.Score.ReputationWeight));
        Assert.Equal(75, RelayRouter.Score(relays[2], Brussels, Options, Now).RegionLatencyMs);

        Assert.Equal("par", RelayRouter.Choose([relays[0] with { Health = RelayHealth.Suspect }, relays[1], relays[2]], Brussels, Options, Now)!.Value.Relay.RelayId);
        Assert.Equal("par", RelayRouter.Choose([relays[0] with { Sessions = 100 }, relays[1], relays[2]], Brussels, Options, Now)!.Value.Relay.RelayId);
        Assert.Null(RelayRouter.Choose([relays[0] with { Health = RelayHealth.Quarantined }], Brussels, Options, Now));
    }

    [Fact]
    public void TeachingGamesPreferStableHighBandwidthRelaysAndDogfightsTheLowestLatency()
    {
        // Amsterdam is nearer but thin and flaky; Paris is further, wide and stable but slower to answer.
        RelayView[] relays = [Relay("ams", 52.37, 4.90, latencyMs: 2, bandwidth: 10, failures: 1), Relay("par", 48.86, 2.35, latencyMs: 12, bandwidth: 1000)];
        Assert.Equal("ams", RelayRouter.Choose(relays, Brussels, Options, Now)!.Value.Relay.RelayId);
        var teaching = RelayRouter.Choose(relays, Brussels with { GameType = GameClass.Teaching }, Options, Now)!.Value;
        Assert.Equal(("par", "stable-high-bandwidth"), (teaching.Relay.RelayId, teaching.Score.Preference));
        var amsAsTeacher = RelayRouter.Score(relays[0], Brussels with { GameType = GameClass.Teaching }, Options, Now);
        Assert.Equal(25, amsAsTeacher.StabilityPenaltyMs);
        Assert.Equal((5, 3), (amsAsTeacher.ReputationPenaltyMs, amsAsTeacher.ReputationWeight));
        Assert.Equal(9, amsAsTeacher.BandwidthPenaltyMs);

        // For a dogfight the lowest expected latency wins even when a busier relay is nearer.
        RelayView[] busy = [Relay("ams", 52.37, 4.90, latencyMs: 1, sessions: 95), Relay("par", 48.86, 2.35, latencyMs: 1)];
        var dogfight = RelayRouter.Choose(busy, Brussels with { GameType = GameClass.Dogfight }, Options, Now)!.Value;
        Assert.Equal(("par", "lowest-latency"), (dogfight.Relay.RelayId, dogfight.Score.Preference));
    }

    [Fact]
    public void TiesBreakByStakeThenRelayIdWhateverTheOrder()
    {
        RelayView[] relays = [Relay("b", 50, 4), Relay("a", 50, 4), Relay("c", 50, 4, stake: 10)];
        Assert.Equal("c", RelayRouter.Choose(relays, Brussels, Options, Now)!.Value.Relay.RelayId);
        Assert.Equal("a", RelayRouter.Choose(relays[..2], Brussels, Options, Now)!.Value.Relay.RelayId);
        Assert.Equal("a", RelayRouter.Choose(relays[..2].Reverse(), Brussels, Options, Now)!.Value.Relay.RelayId);
    }

    [Fact]
    public void StandbyRelaysWaitInNormalRoutingAndComeFirstInFailover()
    {
        RelayView[] relays = [Relay("primary", 48.86, 2.35), Relay("standby", 40.71, -74.0, role: RelayRole.Standby)];
        Assert.Equal("primary", RelayRouter.Choose(relays, Brussels, Options, Now)!.Value.Relay.RelayId);
        Assert.Equal("standby", RelayRouter.Choose(relays, Brussels, Options, Now, failover: true)!.Value.Relay.RelayId);
        Assert.Equal("primary", RelayRouter.Choose(relays, Brussels, Options, Now, failover: true, exclude: "standby")!.Value.Relay.RelayId);
        Assert.Equal("standby", RelayRouter.Choose([relays[1]], Brussels, Options, Now)!.Value.Relay.RelayId);
    }
}
