using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// What happens once a round's last stage closed, each step idempotent so that a round finished again after a crash
/// changes nothing twice: the aggregate (from the privacy state before the round), the candidate's registration and
/// the gate, the promotion recorded as a model submission by the round's top contributor (so its contributors and the
/// ModelImprovement subsidy follow the stamp market's rules), the trainers' settlement (one linked batch
/// <c>fl-round:{roundId}:…</c> from the reward pool, by the contribution values), the model-impact rewards of the games
/// trained on, each sampled relay's standing (three failed rounds in a row quarantine it), and the events.
/// </summary>
public sealed partial class RoundSettlement(
    IFederatedStore store, FederatedModels models, ModelRegistry registry, GameRewards gameRewards, IStampStore stamps, IGrainFactory grains,
    IClusterEventLog events, IOptions<FederatedOptions> options, TimeProvider clock, ILogger<RoundSettlement> logger)
{
    /// <summary>Finishes <paramref name="round"/> from its protocol; returns its outcome.</summary>
    public async Task<RoundOutcome> FinishAsync(StoredRound round, RoundProtocol protocol, NetConfig config, float[] global)
    {
        var start = round.Start;
        var settings = options.Value;
        var layout = ParameterLayout.Of(config);
        var readiness = protocol.Contributions.Where(c => c.Ready is not null).ToDictionary(c => c.RelayId, c => c.Ready!, StringComparer.Ordinal);
        AggregationOutcome? aggregation = null;
        string? failure = protocol.FailureReason;
        if (protocol.Stage == RoundStages.Aggregating)
        {
            PrivacyRun? privacy = null;
            Learning.Federated.Privacy.DpFedAvgState? before = null;
            if (start.Privacy is { } p)
            {
                var started = await PrivacyRuns.StartAsync(store, start.RoundId, clock.GetUtcNow());
                before = started.Before;
                privacy = new PrivacyRun(p, round.Setup.SamplingRate, round.Setup.Population, before, started.Seed);
            }
            try
            {
                aggregation = await models.WithShardsAsync(config, (_, quick) => RoundAggregator.Aggregate(protocol, layout, global, privacy, quick));
            }
            catch (AggregationRefusedException e)
            {
                failure = e.Message;
            }
            if (aggregation is { Privacy: { } after })
            {
                await PrivacyRuns.SaveAsync(store, start.RoundId, before, after, clock.GetUtcNow());
            }
            failure ??= aggregation?.Refused;
        }

        var included = aggregation?.Included ?? [];
        ModelVersionView? version = null;
        var settlement = new Dictionary<string, long>(StringComparer.Ordinal);
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        if (failure is null && aggregation is not null && included.Count > 0)
        {
            var stampsUsed = included.SelectMany(id => readiness.GetValueOrDefault(id)?.GameIds ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            // The contribution values drive the registry's trainer weights, the promotion's submitter and the settlement.
            var contributions = ContributionValues.ToContributions(aggregation.Observations, aggregation.Quality);
            var contributors = await ContributorsAsync(included, stampsUsed, contributions);
            version = await registry.RegisterAsync(start.RoundId, start.ModelVersion, config, aggregation.Candidate, stampsUsed, contributors, aggregation.EpsilonSpent,
                new GateOptions(settings.PromotionMargin, settings.SprtDelta));
            steps["registration"] = Lap(timer);
            if (version.Promoted)
            {
                await SubmitPromotionAsync(version, aggregation, contributions, readiness);
            }
            await events.AppendAsync(ClusterEventType.ModelUpdated, version.ModelHash,
                new ModelUpdated(start.RoundId, version.ModelHash, version.Version, version.Parent, version.Promoted, version.Metrics.Top1, included.Count), "model_updated:" + start.RoundId);
            steps["promotion"] = Lap(timer);
            settlement = await SettleTrainersAsync(start.RoundId, contributions);
            steps["settlement"] = Lap(timer);
            await PayGameImpactAsync(start.RoundId, config, aggregation.Candidate, stampsUsed);
            steps["game_impact"] = Lap(timer);
        }
        var participants = protocol.Participants(included.ToHashSet(StringComparer.Ordinal), aggregation?.Rejected);
        await RecordStandingAsync(start, included, participants, aggregation?.Flagged ?? []);
        steps["standing"] = Lap(timer);
        var result = new ModelUpdate(start.RoundId, version?.ModelHash, included.Count, version?.Promoted ?? false, start.ModelVersion);
        var server = new Dictionary<string, double>(protocol.ServerSeconds, StringComparer.Ordinal);
        foreach (var (step, seconds) in (aggregation?.Seconds ?? new Dictionary<string, double>()).Concat(steps))
        {
            server[step] = seconds;
        }
        return new RoundOutcome(result, aggregation?.EpsilonSpent, failure,
            participants, protocol.StageSeconds, server, protocol.BytesReceived, settlement, aggregation?.NoiseStandardDeviation);
    }

    private static double Lap(System.Diagnostics.Stopwatch clock)
    {
        var seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }

    /// <summary>
    /// Trainers (their updates are in the aggregate), weighted by their contribution values: each one's share of the
    /// round's settlement rule applied to 10,000 (basis points of the trainers' reward; at least 1), which is how the
    /// 20 % of inference revenue for trainers is split. Then the relays and players of the games used, by games.
    /// </summary>
    private async Task<IReadOnlyList<VersionContributor>> ContributorsAsync(IReadOnlyList<string> included, List<string> stampsUsed, IReadOnlyList<Contribution> contributions)
    {
        var shares = TokenEconomics.ContributionRewards(10_000, contributions)
                .GroupBy(l => l.AccountId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Amount), StringComparer.Ordinal);
        var list = included.Select(id => new VersionContributor(id, "trainer", (int)Math.Max(1, shares.GetValueOrDefault(id)))).ToList();
        var used = stampsUsed.Count == 0 ? [] : await stamps.GetAsync([.. stampsUsed]);
        list.AddRange(used
            .SelectMany(s => new[] { (s.BlackRelay, "relay"), (s.WhiteRelay, "relay"), (s.BlackPlayer, "player"), (s.WhitePlayer, "player") }
                .Where(c => c.Item1 is not null).Distinct())
            .GroupBy(c => (Id: c.Item1!, Role: c.Item2))
            .Select(g => new VersionContributor(g.Key.Id, g.Key.Role, g.Count()))
            .OrderBy(c => c.Role, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal));
        return list;
    }

    /// <summary>A promotion becomes a model submission by the top contributor, over the stamps its own data came from.</summary>
    private async Task SubmitPromotionAsync(ModelVersionView version, AggregationOutcome aggregation, IReadOnlyList<Contribution> contributions, Dictionary<string, PeerReady> readiness)
    {
        var ranked = contributions
            .OrderByDescending(c => TokenEconomics.ContributionScore(c, Math.Max(1, aggregation.Observations.Max(o => (long)Math.Ceiling(o.ComputeSeconds))), Math.Max(1, aggregation.Observations.Max(o => o.BytesTransmitted))))
            .ThenBy(c => c.AccountId, StringComparer.Ordinal);
        var top = ranked.FirstOrDefault(c => readiness.GetValueOrDefault(c.AccountId)?.GameIds is { Count: > 0 });
        if (top is null)
        {
            return;
        }
        var performance = new ModelPerformance(version.Metrics.WinRate ?? 50, version.Metrics.Top1, 0);
        try
        {
            await grains.GetGrain<IStampMarketGrain>(IStampMarketGrain.Key).SubmitModel(top.AccountId,
                new ModelSubmission(version.ModelHash, version.Version, [.. readiness[top.AccountId].GameIds!], performance));
        }
        catch (RequestRefusedException e)
        {
            LogSubmissionRefused(logger, version.ModelHash, e.Code, e.Message);
        }
    }

    /// <summary>The 80 % / 20 % / quality-bonus settlement of the round's pool among its trainers.</summary>
    private async Task<Dictionary<string, long>> SettleTrainersAsync(string roundId, IReadOnlyList<Contribution> contributions)
    {
        var pool = options.Value.RoundPool;
        if (pool <= 0 || contributions.Count == 0)
        {
            return [];
        }
        var outcomes = await grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key)
            .RewardRound(roundId, pool, contributions);
        if (outcomes.FirstOrDefault(o => !o.Applied) is { } failed)
        {
            LogUnpaid(logger, roundId, LedgerNames.Of(failed.Result));
            return [];
        }
        var paid = outcomes.Where(o => o.Transfer is not null).GroupBy(o => o.Transfer!.CreditAccountId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(o => o.Transfer!.Amount), StringComparer.Ordinal);
        if (paid.Count > 0)
        {
            await events.AppendAsync(ClusterEventType.RewardsDistributed, roundId,
                new RewardsDistributed("fl-round:" + roundId, "round", paid.Values.Sum(), paid), "rewards_distributed:fl-round:" + roundId);
        }
        return paid;
    }

    /// <summary>
    /// Each game trained on for the first time: the drop of the held-out loss when the new model takes one SGD step on
    /// that game's positions, relative to the round's best game (which gets 1.0), paid as base × impact × 3.0.
    /// </summary>
    private async Task PayGameImpactAsync(string roundId, NetConfig config, float[] candidate, List<string> stampsUsed)
    {
        if (stampsUsed.Count == 0)
        {
            return;
        }
        var ledger = grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        var fresh = new List<(TrainingStamp Stamp, IReadOnlyList<TrainingPosition> Positions)>();
        foreach (var stamp in await stamps.GetAsync([.. stampsUsed]))
        {
            if (stamp.GameClass == Go.Analysis.GameClass.Standard || await ledger.GetTransfer($"game-impact:{stamp.StampId}:black") is not null)
            {
                continue; // a standard game earns nothing; a game is paid its impact once
            }
            var sgf = await grains.GetGrain<IGameGrain>(stamp.StampId).ExportSgf();
            var positions = GamePositions.Of(GameRewards.Record(sgf)).ToList();
            if (positions.Count > 0 && positions[0].Size == config.BoardSize)
            {
                fresh.Add((stamp, positions));
            }
        }
        if (fresh.Count == 0)
        {
            return;
        }
        var layout = ParameterLayout.Of(config);
        var drops = await models.WithShardsAsync(config, (_, quick) =>
        {
            var before = quick.Score(candidate).Loss;
            return fresh.Select(f =>
            {
                var step = LocalTrainer.Train("impact", layout, candidate, f.Positions, new LocalTrainingOptions(Steps: 1, BatchSize: Math.Min(64, f.Positions.Count), Seed: 1));
                return Math.Max(0, before - quick.ScoreWith(candidate, step.Update.Delta).Loss);
            }).ToList();
        });
        var best = drops.Max();
        for (var i = 0; i < fresh.Count; i++)
        {
            var bp = best > 0 ? (int)Math.Round(10_000 * drops[i] / best) : 0;
            var stamp = fresh[i].Stamp;
            if (stamp.BlackPlayer is { } black && stamp.WhitePlayer is { } white)
            {
                await gameRewards.PayImpactAsync(stamp.StampId, black, white, stamp.GameClass, bp);
            }
        }
        LogImpact(logger, roundId, fresh.Count, best);
    }

    /// <summary>
    /// Every sampled relay's standing and what the round cost its reputation (<see cref="ReputationRules.ForRound"/>), in
    /// one write each; a third failed round in a row quarantines it through the health monitor.
    /// </summary>
    private async Task RecordStandingAsync(RoundStart start, IReadOnlyList<string> included, IReadOnlyList<RoundParticipantView> participants, IReadOnlyList<string> flagged)
    {
        var set = included.ToHashSet(StringComparer.Ordinal);
        var status = participants.ToDictionary(p => p.RelayId, p => p.Status, StringComparer.Ordinal);
        foreach (var relayId in start.Participants)
        {
            var participation = ReputationRules.Participation(status.GetValueOrDefault(relayId), set.Contains(relayId), flagged.Contains(relayId, StringComparer.Ordinal));
            var failures = await store.RecordStandingAsync(relayId, start.RoundId, set.Contains(relayId), clock.GetUtcNow(),
                ReputationRules.ForRound(start.RoundId, relayId, participation));
            if (failures >= options.Value.QuarantineAfterFailedRounds)
            {
                await grains.GetGrain<IRelayHealthMonitorGrain>(ISingletonGrain.Key).Quarantine(relayId,
                    string.Create(CultureInfo.InvariantCulture, $"failed {failures} federated rounds in a row (last {start.RoundId})"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The promotion of {ModelHash} was not recorded as a model submission: {Code} {Message}")]
    private static partial void LogSubmissionRefused(ILogger logger, string modelHash, string code, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {RoundId} trainers not paid: {Result}")]
    private static partial void LogUnpaid(ILogger logger, string roundId, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId}: model impact of {Games} games measured (best loss drop {Best:G3})")]
    private static partial void LogImpact(ILogger logger, string roundId, int games, double best);
}
