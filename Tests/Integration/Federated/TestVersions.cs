using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Federated;

namespace OrleansGoRelay.Tests.Federated;

/// <summary>Registry versions for tests that need one besides the genesis version, without running a round.</summary>
internal static class TestVersions
{
    /// <summary>
    /// Registers (not promotes) another version of <paramref name="parent"/>'s net whose weights are the parent's moved
    /// by <paramref name="move"/> (weight, index), trained on <paramref name="stampsUsed"/>; returns its hash.
    /// </summary>
    public static async Task<string> InsertMovedAsync(ModelRegistry registry, IFederatedStore store, ModelVersionView parent, Func<float, int, float> move,
        IReadOnlyList<string> stampsUsed, string description)
    {
        var (config, weights) = await registry.LoadAsync(parent.ModelHash);
        var moved = weights.Select(move).ToArray();
        var architecture = ModelArchitecture.Of(config);
        var bytes = ModelArchitecture.ToBytes(moved);
        var hash = ModelArchitecture.Hash(architecture, bytes);
        Assert.True(await store.InsertVersionAsync(new StoredVersion(
            parent with { ModelHash = hash, Parent = parent.ModelHash, Promoted = false, PromotedAt = null, Gate = null, StampsUsed = stampsUsed },
            architecture, bytes, FederatedModels.ExportOnnx(config, moved, description))));
        return hash;
    }
}
