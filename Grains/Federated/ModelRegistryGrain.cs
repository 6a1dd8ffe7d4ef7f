using OrleansGoRelay.Contracts.Federated;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>Reads of the model registry; every read goes to the store, so any activation answers the same.</summary>
[GrainType("model-registry")]
[StatelessWorker]
[Reentrant]
public sealed class ModelRegistryGrain(ModelRegistry registry, IFederatedStore store) : Grain, IModelRegistryGrain
{
    public Task<ModelVersionView> Current() => registry.CurrentAsync();

    public async Task<IReadOnlyList<ModelVersionView>> Versions(int limit)
    {
        await registry.CurrentAsync(); // the genesis version exists before anyone lists
        return await store.VersionsAsync(Math.Clamp(limit, 1, 500));
    }

    public Task<ModelVersionView?> Version(string modelHash) => store.VersionAsync((modelHash ?? "").ToLowerInvariant());

    public Task<byte[]?> Onnx(string modelHash) => store.OnnxAsync((modelHash ?? "").ToLowerInvariant());

    public Task<byte[]?> Weights(string modelHash) => store.WeightsAsync((modelHash ?? "").ToLowerInvariant());
}
