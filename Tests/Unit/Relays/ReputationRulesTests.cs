using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Learning.Federated.Aggregation;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// Reputation's rules (<see cref="ReputationRules"/>): what raises and lowers it, that each event counts once, and how
/// routing and round sampling weigh it.
/// </summary>
public sealed class ReputationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 10, 12, 0, 0, TimeSpan.Zero);

    private static RelayView Relay(string id, int reputation) =>
        new(new RelayRegistration(id, "key", "eu-west", 52.37, 4.90, 100, 100, true, $"ws://{id}", 0, RelayRole.Primary), RelayHealth.Healthy, 0, 0, 5, 0,
            reputation, [], Now, Now, Now, null);

    [Fact]
    public void APromotionGivesEachOwnerTwoPointsPerStampCappedAtTenOncePerVersion()
    {
        var changes = ReputationRules.ForPromotion("m1", [("g1", "b"), ("g2", "b"), ("g2", "b"), ("g3", "a"), .. Enumerable.Range(0, 8).Select(i => ($"h{i}", "c"))]);
        Assert.Equal(["a", "b", "c"], changes.Select(c => c.RelayId));
        Assert.Equal([2, 4, 10], changes.Select(c => c.Delta)); // g2 counts once; c's eight stamps hit the cap
        Assert.Equal("promotion:m1:b", changes[1].EventKey);
        Assert.Empty(ReputationRules.ForPromotion("m1", []));
    }

    [Fact]
    public void FailedRoundsCostByHowTheRelayFailedAndBlamelessOnesCostNothing()
    {
        Assert.Equal(RoundParticipation.DroppedOut, ReputationRules.Participation("dropped", included: false, flagged: false));
        Assert.Equal(RoundParticipation.DroppedOut, ReputationRules.Participation(null, included: false, flagged: false));
        Assert.Equal(RoundParticipation.Rejected, ReputationRules.Participation("rejected", included: false, flagged: false));
        Assert.Equal(RoundParticipation.Flagged, ReputationRules.Participation("included", included: true, flagged: true));
        Assert.Equal(RoundParticipation.Answered, ReputationRules.Participation("answered", included: false, flagged: false));

        Assert.Equal(-3, ReputationRules.ForRound("r1", "a", RoundParticipation.DroppedOut)!.Delta);
        Assert.Equal(-5, ReputationRules.ForRound("r1", "a", RoundParticipation.Rejected)!.Delta);
        Assert.Equal(-2, ReputationRules.ForRound("r1", "a", RoundParticipation.Flagged)!.Delta);
        Assert.Equal("round:r1:a", ReputationRules.ForRound("r1", "a", RoundParticipation.Flagged)!.EventKey);
        Assert.Null(ReputationRules.ForRound("r1", "a", RoundParticipation.Included));
        Assert.Null(ReputationRules.ForRound("r1", "a", RoundParticipation.Answered));

        var quarantine = ReputationRules.ForQuarantine("a", Now, "three deaths");
        Assert.Equal((-10, "quarantine:a:2026-12-10T12:00:00.0000000Z"), (quarantine.Delta, quarantine.EventKey));
        Assert.Equal((100, 0), (ReputationRules.Apply(95, 10), ReputationRules.Apply(4, -10)));
    }

    [Fact]
    public async Task TheInMemoryStoreAppliesEachEventOnceSummedAndClamped()
    {
        var store = new InMemoryRelayStore();
        await store.UpsertRegistrationAsync(Relay("a", 50).Registration, Now);
        Assert.Equal(ReputationRules.Initial, (await store.GetAsync("a"))!.Reputation);
        var promotion = ReputationRules.ForPromotion("m1", [("g1", "a"), ("g2", "a"), ("g3", "ghost")]);
        Assert.Equal(1, await store.ApplyReputationAsync(promotion, Now)); // the unknown relay is ignored
        Assert.Equal(0, await store.ApplyReputationAsync(promotion, Now)); // a retried promotion
        Assert.Equal(54, (await store.GetAsync("a"))!.Reputation);
        var falls = Enumerable.Range(0, 7).Select(i => ReputationRules.ForQuarantine("a", Now.AddDays(i), "test")).ToList();
        Assert.Equal(7, await store.ApplyReputationAsync(falls, Now));
        Assert.Equal(0, (await store.GetAsync("a"))!.Reputation);
    }

    [Fact]
    public void RelayWhoseDataTrainedThePromotedModelWinsTheTie()
    {
        var player = new RouteRequest("p", 52.0, 4.5, GameClass.Standard, "eu-west");
        RelayView a = Relay("a", 51), b = Relay("b", 51);
        Assert.Equal("a", RelayRouter.Choose([b, a], player, new RelayOptions(), Now)!.Value.Relay.RelayId); // equal: the smaller id

        var promoted = b with { Reputation = ReputationRules.Apply(b.Reputation, ReputationRules.ForPromotion("m1", [("g1", "b")]).Single().Delta) };
        var choice = RelayRouter.Choose([a, promoted], player, new RelayOptions(), Now)!.Value;
        Assert.Equal(("b", 53, 4.7), (choice.Relay.RelayId, choice.Score.Reputation, choice.Score.ReputationPenaltyMs));
        Assert.Equal(0.2, RelayRouter.Score(a, player, new RelayOptions(), Now).Total - choice.Score.Total, 6);
        // Teaching games weigh it three times.
        var teaching = player with { GameType = GameClass.Teaching };
        Assert.Equal(0.6, RelayRouter.Score(a, teaching, new RelayOptions(), Now).Total - RelayRouter.Score(promoted, teaching, new RelayOptions(), Now).Total, 6);
    }

    [Fact]
    public void ReputationNeverOutweighsMoreThanAThousandKilometresOfFibre()
    {
        var player = new RouteRequest("p", 52.37, 4.90, GameClass.Standard, "eu-west");
        var near = Relay("near", 0);
        var far = Relay("far", 100) with { Registration = Relay("far", 100).Registration with { Latitude = 42.0, Longitude = 4.9 } }; // ~1,150 km south
        Assert.Equal("near", RelayRouter.Choose([near, far], player, new RelayOptions(), Now)!.Value.Relay.RelayId);
    }

    [Fact]
    public void RoundSamplingPrefersHigherReputationWithoutStarvingTheOthers()
    {
        // Four relays with equal stakes, one draw per round over 4,000 rounds: the chance of each is its weight over the sum.
        var reputations = new Dictionary<string, int>(StringComparer.Ordinal) { ["r100"] = 100, ["r50a"] = 50, ["r50b"] = 50, ["r0"] = 0 };
        var candidates = reputations.Select(r => new SamplingCandidate(r.Key, ReputationRules.SelectionWeight(1_000_000, r.Value))).ToList();
        var sampler = new ClientSampler(0.25, 1, SamplingMode.StakeWeighted, seed: 7);
        var counts = reputations.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        const int rounds = 4000;
        for (var round = 1; round <= rounds; round++)
        {
            counts[Assert.Single(sampler.Sample(candidates, round))]++;
        }
        // Weights 1.5, 1, 1, 0.5 of 4: 37.5 %, 25 %, 25 %, 12.5 %.
        Assert.InRange(counts["r100"] / (double)rounds, 0.345, 0.405);
        Assert.InRange(counts["r50a"] / (double)rounds, 0.22, 0.28);
        Assert.InRange(counts["r0"] / (double)rounds, 0.10, 0.15); // the lowest reputation is still drawn about one round in eight
        Assert.Equal(ReputationRules.SelectionWeight(1, 100), 3 * ReputationRules.SelectionWeight(1, 0), 9);
    }
}
