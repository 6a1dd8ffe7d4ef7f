using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// The registry's rules over its store: a genesis version (the configured checkpoint, or a seeded random start) that is
/// promoted by definition, and candidates registered with their measured figures and the gate's judgement against the
/// promoted version on the same held-out positions. Both silos may race to create the genesis version: its hash is
/// fixed by its weights, so the second insert finds the first. A promotion raises the reputation of the relays whose
/// stamps trained the version (<see cref="ReputationRules.ForPromotion"/>), in the promotion's transaction.
/// </summary>
public sealed class ModelRegistry(IFederatedStore store, FederatedModels models, IStampStore stamps, TimeProvider clock)
{
    /// <summary>The promoted version, creating the genesis version on first use.</summary>
    public async Task<ModelVersionView> CurrentAsync()
    {
        if (await store.PromotedAsync() is { } promoted && await store.VersionAsync(promoted) is { } version)
        {
            return version;
        }
        // Loading a checkpoint and writing ONNX are CPU work: off the grain scheduler.
        var (config, weights) = await Task.Run(models.Genesis);
        var architecture = ModelArchitecture.Of(config);
        var bytes = ModelArchitecture.ToBytes(weights);
        var hash = ModelArchitecture.Hash(architecture, bytes);
        if (await store.VersionAsync(hash) is null)
        {
            var (metrics, _) = await models.EvaluateAsync(config, weights);
            var view = new ModelVersionView(hash, 0, null, null, metrics, true, clock.GetUtcNow(), ModelArchitecture.Describe(architecture), ModelArchitecture.Shape(architecture), weights.Length,
                [], [], PromotionGate.First, null, null);
            var onnx = await Task.Run(() => FederatedModels.ExportOnnx(config, weights, "OrleansGoRelay genesis model"));
            await store.InsertVersionAsync(new StoredVersion(view, architecture, bytes, onnx));
        }
        await store.PromoteAsync(hash, clock.GetUtcNow(), []); // the genesis version trained on no stamps
        return (await store.VersionAsync(hash))!;
    }

    /// <summary>
    /// Promotes a registered version; the owners of the stamps it was trained on gain reputation with it (once per
    /// version and relay, however often it is promoted).
    /// </summary>
    public async Task<ModelVersionView> PromoteAsync(string modelHash)
    {
        var version = await store.VersionAsync(modelHash) ?? throw new InvalidOperationException($"There is no model version '{modelHash}'.");
        var used = version.StampsUsed.Count == 0 ? [] : await stamps.GetAsync([.. version.StampsUsed]);
        await store.PromoteAsync(modelHash, clock.GetUtcNow(), ReputationRules.ForPromotion(modelHash, used.Select(s => (s.StampId, s.OwnerRelay))));
        return (await store.VersionAsync(modelHash))!;
    }

    /// <summary>A version's shape and weights.</summary>
    public async Task<(NetConfig Config, float[] Weights)> LoadAsync(string modelHash)
    {
        var architecture = await store.ArchitectureAsync(modelHash) ?? throw new InvalidOperationException($"There is no model version '{modelHash}'.");
        var weights = await store.WeightsAsync(modelHash) ?? throw new InvalidOperationException($"Model version '{modelHash}' has no weights.");
        return (ModelArchitecture.Parse(architecture), ModelArchitecture.FromBytes(weights));
    }

    /// <summary>
    /// Registers a round's candidate (once: a repeat after a crash finds the round's version), judged against the
    /// promoted version, and promotes it when the gate says so.
    /// </summary>
    public async Task<ModelVersionView> RegisterAsync(string roundId, string parent, NetConfig config, float[] weights, IReadOnlyList<string> stampsUsed,
        IReadOnlyList<VersionContributor> contributors, double? epsilon, GateOptions gate)
    {
        if (await store.VersionOfRoundAsync(roundId) is { } existing)
        {
            return existing;
        }
        var current = await CurrentAsync();
        var (promotedConfig, promotedWeights) = await LoadAsync(current.ModelHash);
        var (metrics, correct) = await models.EvaluateAsync(config, weights);
        GateReport report;
        if (promotedConfig == config)
        {
            var (_, promotedCorrect) = await models.EvaluateAsync(promotedConfig, promotedWeights);
            report = PromotionGate.Judge(correct, promotedCorrect, gate);
        }
        else
        {
            report = new GateReport("rejected", "none", 0, 0, 0, 0, []); // another architecture needs a game match, not this gate
        }
        var winRate = report.CandidateWins + report.PromotedWins > 0 ? Math.Round(100.0 * report.CandidateWins / (report.CandidateWins + report.PromotedWins), 2) : (double?)null;
        var architecture = ModelArchitecture.Of(config);
        var bytes = ModelArchitecture.ToBytes(weights);
        var hash = ModelArchitecture.Hash(architecture, bytes);
        var view = new ModelVersionView(hash, 0, parent, roundId, metrics with { WinRate = winRate }, false, clock.GetUtcNow(), ModelArchitecture.Describe(architecture), ModelArchitecture.Shape(architecture),
            weights.Length, stampsUsed, contributors, report, epsilon, null);
        var onnx = await Task.Run(() => FederatedModels.ExportOnnx(config, weights, $"OrleansGoRelay round {roundId}"));
        if (!await store.InsertVersionAsync(new StoredVersion(view, architecture, bytes, onnx)))
        {
            return await store.VersionOfRoundAsync(roundId) ?? (await store.VersionAsync(hash))!;
        }
        return report.Decision == "promoted" ? await PromoteAsync(hash) : (await store.VersionAsync(hash))!;
    }
}
