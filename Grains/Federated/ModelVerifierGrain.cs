using System.Diagnostics;
using System.Globalization;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Rounds;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// Verifies a round's version (the MCP tool <c>verify_model</c>). The checks, in order: both versions' hashes
/// recomputed from their stored shape and weights; the lineage (the new version's parent and round, the round's start
/// and result); every message of the round's log replayed through a fresh protocol with signature checks on, against
/// the relays' registered keys; the included relays of the replay against the recorded ones; and the aggregate
/// recomputed from the replay (the same server step; with privacy, from the DP state the round started from, so the
/// same seeded noise) hashed against the new version. Then both versions are scored on the quick held-out shard.
/// </summary>
[GrainType("model-verifier")]
[StatelessWorker]
public sealed class ModelVerifierGrain(IFederatedStore store, ModelRegistry registry, FederatedModels models, IRelayStore relays) : Grain, IModelVerifierGrain
{
    public async Task<ModelVerification> Verify(ModelVerificationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var oldHash = request.OldVersion?.Trim().ToLowerInvariant() ?? "";
        var newHash = request.NewVersion?.Trim().ToLowerInvariant() ?? "";
        var oldVersion = await store.VersionAsync(oldHash) ?? throw RequestRefusedException.NotFound("unknown_model", $"There is no model version '{request.OldVersion}'.");
        var newVersion = await store.VersionAsync(newHash) ?? throw RequestRefusedException.NotFound("unknown_model", $"There is no model version '{request.NewVersion}'.");
        var round = await store.GetRoundAsync(request.RoundId ?? "") ?? throw RequestRefusedException.NotFound("unknown_round", $"There is no round '{request.RoundId}'.");
        var checks = new List<VerificationCheck>();

        var (oldConfig, oldWeights, oldRecomputed) = await LoadAsync(oldHash);
        var (newConfig, newWeights, newRecomputed) = await LoadAsync(newHash);
        checks.Add(new("old version hash", oldRecomputed == oldHash, $"sha256 of shape and weights {Short(oldRecomputed)}, registry {Short(oldHash)}"));
        checks.Add(new("new version hash", newRecomputed == newHash, $"sha256 of shape and weights {Short(newRecomputed)}, registry {Short(newHash)}"));
        var lineage = newVersion.Parent == oldHash && newVersion.Round == round.RoundId && round.Start.ModelVersion == oldHash
            && round.Outcome?.Result.ModelVersion == newHash;
        checks.Add(new("lineage", lineage,
            $"new version's parent {Short(newVersion.Parent)} and round {newVersion.Round}; round {round.RoundId} trained {Short(round.Start.ModelVersion)} into {Short(round.Outcome?.Result.ModelVersion)}"));
        checks.Add(new("same architecture", oldConfig == newConfig, $"{oldVersion.Architecture} / {newVersion.Architecture}"));

        // The log, replayed with every signature checked against the relays' registered keys.
        var log = await store.MessagesAsync(round.RoundId);
        var keys = await RoundReplay.KeysAsync(relays, round.Start.Participants);
        using var protocol = RoundReplay.Protocol(round, oldConfig, keys);
        string? refused = null;
        foreach (var message in log)
        {
            try
            {
                protocol.Apply(message, verify: true);
            }
            catch (RoundMessageRefusedException e)
            {
                refused = $"message {message.Sequence} ({message.Kind} from {message.RelayId}): {e.Message}";
                break;
            }
        }
        var signed = log.Count(m => m.Kind is RoundMessageKinds.Keys or RoundMessageKinds.Masked or RoundMessageKinds.Update);
        checks.Add(new("signatures", refused is null && keys.Count > 0,
            refused ?? $"{log.Count} logged messages replayed with signature checks ({signed} signed advertisements and updates, {keys.Count} registered keys)"));

        var recorded = (round.Outcome?.Participants ?? []).Where(p => p.Status == "included").Select(p => p.RelayId).Order(StringComparer.Ordinal).ToList();
        var aggregateDetail = "not recomputed: the log did not replay";
        var aggregateMatches = false;
        if (refused is null && protocol.Stage == RoundStages.Aggregating && oldConfig == newConfig)
        {
            PrivacyRun? privacy = null;
            var known = true;
            if (round.Start.Privacy is { } settings)
            {
                var started = await PrivacyRuns.StartedFromAsync(store, round.RoundId);
                known = started is not null;
                privacy = new PrivacyRun(settings, round.Setup.SamplingRate, round.Setup.Population, started?.Before, started?.Seed);
            }
            if (known)
            {
                var outcome = await models.WithShardsAsync(oldConfig, (_, quick) => RoundAggregator.Aggregate(protocol, ParameterLayout.Of(oldConfig), oldWeights, privacy, quick));
                var replayed = outcome.Included.Order(StringComparer.Ordinal).ToList();
                checks.Add(new("included relays", replayed.SequenceEqual(recorded, StringComparer.Ordinal),
                    $"replay includes {string.Join(", ", replayed)}; the record {string.Join(", ", recorded)}"));
                var candidate = ModelArchitecture.Hash(ModelArchitecture.Of(oldConfig), ModelArchitecture.ToBytes(outcome.Candidate));
                aggregateMatches = candidate == newHash;
                aggregateDetail = aggregateMatches
                    ? $"the aggregate of {replayed.Count} updates{(privacy is null ? "" : " with the round's seeded DP noise")}, applied to the old version, hashes to the new version"
                    : $"the recomputed version hashes to {Short(candidate)}, not {Short(newHash)} (max |difference| {MaxDifference(outcome.Candidate, newWeights):G3})";
            }
            else
            {
                aggregateDetail = "not recomputed: the DP state this round started from was not kept (rounds before the verifier)";
            }
        }
        else if (refused is null)
        {
            aggregateDetail = $"not recomputed: the replayed round ended at stage {protocol.Stage}";
        }
        checks.Add(new("aggregate", aggregateMatches, aggregateDetail));

        var (oldScore, newScore, positions) = await models.WithShardsAsync(oldConfig, (_, quick) => (quick.Score(oldWeights), quick.Score(newWeights), quick.Count));
        return new ModelVerification(checks.All(c => c.Passed), checks, Math.Round(oldScore.Top1 * 100, 3), Math.Round(newScore.Top1 * 100, 3),
            Math.Round((newScore.Top1 - oldScore.Top1) * 100, 3), Math.Round(oldScore.Loss, 5), Math.Round(newScore.Loss, 5), positions, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    /// <summary>A version's stored shape and weights, and the registry's hash recomputed from them.</summary>
    private async Task<(Learning.Model.NetConfig Config, float[] Weights, string Hash)> LoadAsync(string hash)
    {
        var (config, weights) = await registry.LoadAsync(hash);
        return (config, weights, ModelArchitecture.Hash(ModelArchitecture.Of(config), ModelArchitecture.ToBytes(weights)));
    }

    private static double MaxDifference(float[] a, float[] b) =>
        a.Length != b.Length ? double.PositiveInfinity : a.Zip(b, (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max();

    private static string Short(string? hash) => hash is null ? "none" : hash.Length > 12 ? hash[..12].ToString(CultureInfo.InvariantCulture) : hash;
}
