using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>
/// A silo's ONNX Runtime sessions, one per registry version asked for, each behind a <see cref="BatchingPredictor"/>.
/// The promoted version is looked up at most once a second; when another version is promoted, requests from then on
/// go to its session while those already queued on the old one finish there, so a swap drops no request.
/// </summary>
public sealed class InferenceModels(IFederatedStore store, ModelRegistry registry, FederatedModels models, TimeProvider clock, IOptions<InferenceOptions> options) : IAsyncDisposable
{
    private static readonly TimeSpan PromotionCheck = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Lazy<Task<Served>>> _served = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1);
    private (string Hash, IReadOnlyList<string> Recent, DateTimeOffset CheckedAt)? _promoted;
    private volatile string? _serving;

    /// <summary>A version with its session.</summary>
    public sealed record Served(ModelVersionView Version, OnnxMovePredictor Model, BatchingPredictor Predictor);

    /// <summary>
    /// The session of <paramref name="modelHash"/>, or of the promoted version when null. When a newly promoted
    /// version's session is still being made (the int8 export takes seconds for the shipped net), the version promoted
    /// before it keeps answering until it is ready, so a promotion holds no request up.
    /// </summary>
    public async Task<Served> GetAsync(string? modelHash)
    {
        if (modelHash is not null)
        {
            return await SessionAsync(modelHash.ToLowerInvariant());
        }
        var hash = await PromotedAsync();
        var loading = SessionAsync(hash);
        if (!loading.IsCompletedSuccessfully && _serving is { } previous && previous != hash)
        {
            return await SessionAsync(previous);
        }
        var served = await loading;
        _serving = hash;
        return served;
    }

    private Task<Served> SessionAsync(string hash) => _served.GetOrAdd(hash, h => new Lazy<Task<Served>>(() => LoadAsync(h))).Value;

    /// <summary>The newest versions trained by rounds (not the genesis one), at most <see cref="RecentVersions"/>.</summary>
    public async Task<IReadOnlyList<Served>> RecentFederatedAsync()
    {
        var served = new List<Served>();
        foreach (var hash in (await RegistryAsync()).Recent)
        {
            served.Add(await SessionAsync(hash));
        }
        return served;
    }

    /// <summary>How many of the newest round-trained versions <see cref="RecentFederatedAsync"/> gives.</summary>
    public const int RecentVersions = 3;

    private async Task<string> PromotedAsync() => (await RegistryAsync()).Hash;

    /// <summary>The promoted version and the newest round-trained ones, read from the registry at most once a second (not per request).</summary>
    private async Task<(string Hash, IReadOnlyList<string> Recent, DateTimeOffset CheckedAt)> RegistryAsync()
    {
        if (_promoted is { } known && clock.GetUtcNow() - known.CheckedAt < PromotionCheck)
        {
            return known;
        }
        await _refresh.WaitAsync();
        try
        {
            if (_promoted is { } again && clock.GetUtcNow() - again.CheckedAt < PromotionCheck)
            {
                return again;
            }
            var hash = (await registry.CurrentAsync()).ModelHash;
            var recent = (await store.VersionsAsync(RecentVersions + 1)).Where(v => v.Round is not null).Take(RecentVersions).Select(v => v.ModelHash).ToList();
            var fresh = (hash, (IReadOnlyList<string>)recent, clock.GetUtcNow());
            _promoted = fresh;
            return fresh;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task<Served> LoadAsync(string hash)
    {
        var version = await store.VersionAsync(hash) ?? throw RequestRefusedException.NotFound("unknown_model", $"There is no model version '{hash}'.");
        var settings = options.Value;
        byte[]? onnx = null;
        if (string.Equals(settings.Precision, "int8", StringComparison.OrdinalIgnoreCase))
        {
            var (config, weights) = await registry.LoadAsync(hash);
            onnx = await Task.Run(() => models.ExportInt8Onnx(config, weights, $"OrleansGoRelay {hash[..12]} (int8, served)"));
        }
        onnx ??= await store.OnnxAsync(hash) ?? throw RequestRefusedException.NotFound("unknown_model", $"Model version '{hash}' has no ONNX file.");
        var model = await Task.Run(() => new OnnxMovePredictor(onnx, threads: Math.Max(1, settings.SessionThreads)));
        return new Served(version, model, new BatchingPredictor(model, Math.Max(1, settings.MaxBatch)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _served.Values.Where(l => l.IsValueCreated))
        {
            if (lazy.Value.IsCompletedSuccessfully)
            {
                var served = lazy.Value.Result;
                await served.Predictor.DisposeAsync();
                served.Model.Dispose();
            }
        }
        _refresh.Dispose();
    }
}
