using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Federated;

/// <summary>
/// A promotion while clients keep asking: every request is answered (none fails or waits for the new session to load),
/// each client sees the old version and then only the new one, and the new one serves everything asked after the
/// silo's once-a-second look at the registry.
/// </summary>
public sealed class InferenceHotSwapTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task APromotionUnderLoadSwapsTheServedVersionWithoutDroppingARequest()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 300);
        await SiloHosts.WaitReadyAsync(host.CreateClient());
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var store = host.Services.GetRequiredService<IFederatedStore>();
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        var old = await registry.CurrentAsync();

        // Another version of the same net: the genesis weights moved, registered but not yet promoted.
        var (config, weights) = await registry.LoadAsync(old.ModelHash);
        var moved = weights.Select((w, i) => w + (0.2f * MathF.Sin(i))).ToArray();
        var architecture = ModelArchitecture.Of(config);
        var bytes = ModelArchitecture.ToBytes(moved);
        var hash = ModelArchitecture.Hash(architecture, bytes);
        Assert.True(await store.InsertVersionAsync(new StoredVersion(
            old with { ModelHash = hash, Parent = old.ModelHash, Promoted = false, PromotedAt = null, Gate = null },
            architecture, bytes, FederatedModels.ExportOnnx(config, moved, "hot swap test"))));

        var position = new PredictRequest(null, 9, 7.5, "chinese", null, ["E5", "C3", "G7"], "W", TopK: 3);
        var clock = Stopwatch.StartNew();
        TimeSpan? promotedAt = null;
        var stopAt = TimeSpan.FromSeconds(6);
        async Task<List<(TimeSpan Asked, string Version)>> ClientAsync()
        {
            var seen = new List<(TimeSpan, string)>();
            while (clock.Elapsed < stopAt)
            {
                var asked = clock.Elapsed;
                var answer = await grains.GetGrain<IInferenceGrain>(0).Predict(position);
                Assert.DoesNotContain(answer.Move, position.Moves!);
                seen.Add((asked, answer.ModelVersion));
            }
            return seen;
        }
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(ClientAsync)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await store.PromoteAsync(hash, DateTimeOffset.UtcNow);
        promotedAt = clock.Elapsed;
        var answered = await Task.WhenAll(clients); // a request that failed would fail its client here

        var all = answered.SelectMany(a => a).ToList();
        Assert.All(all, a => Assert.Contains(a.Version, new[] { old.ModelHash, hash }));
        Assert.Contains(all, a => a.Version == old.ModelHash);
        Assert.Contains(all, a => a.Version == hash);
        foreach (var client in answered)
        {
            // Old, then new: never back.
            var firstNew = client.FindIndex(a => a.Version == hash);
            Assert.True(firstNew > 0, "each client was answered by the old version first and the new one later");
            Assert.All(client.Skip(firstNew), a => Assert.Equal(hash, a.Version));
        }
        // The silo looks at the registry at most once a second: anything asked two seconds after the promotion is new.
        Assert.All(all.Where(a => a.Asked > promotedAt + TimeSpan.FromSeconds(2)), a => Assert.Equal(hash, a.Version));
        Assert.Contains(all, a => a.Asked > promotedAt + TimeSpan.FromSeconds(2));
    }
}
