using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Federated;

/// <summary>
/// A promotion while clients keep asking: every request is answered (none fails; the old version answers while the new
/// one's session is made), and each client sees the old version and then only the new one.
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
        var hash = await TestVersions.InsertMovedAsync(registry, store, old, (w, i) => w + (0.2f * MathF.Sin(i)), [], "hot swap test");

        var position = new PredictRequest(null, 9, 7.5, "chinese", null, ["E5", "C3", "G7"], "W", TopK: 3);
        const int clientCount = 8;
        var seen = Enumerable.Range(0, clientCount).Select(_ => new System.Collections.Concurrent.ConcurrentQueue<string>()).ToArray();
        using var stop = new CancellationTokenSource();
        async Task ClientAsync(int client)
        {
            while (!stop.IsCancellationRequested)
            {
                var answer = await grains.GetGrain<IInferenceGrain>(0).Predict(position);
                Assert.DoesNotContain(answer.Move, position.Moves!);
                seen[client].Enqueue(answer.ModelVersion);
            }
        }
        var clients = Enumerable.Range(0, clientCount).Select(c => Task.Run(() => ClientAsync(c))).ToList();
        // Every client under way on the old version, then the promotion; then until every client has had 20 answers
        // from the new one (the new session is made while the old keeps answering: how long that takes is the
        // machine's, so the test waits for the swap rather than for a time).
        await Eventually.WaitForAsync(() => seen.All(q => q.Count >= 5), done => done, TimeSpan.FromMinutes(2));
        await store.PromoteAsync(hash, DateTimeOffset.UtcNow, []);
        await Eventually.WaitForAsync(() => seen.All(q => q.Count(v => v == hash) >= 20), done => done, TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(clients); // a request that failed would fail its client here

        var answered = seen.Select(q => q.ToList()).ToList();
        Assert.All(answered.SelectMany(a => a), v => Assert.Contains(v, new[] { old.ModelHash, hash }));
        foreach (var client in answered)
        {
            // Old, then new: never back.
            var firstNew = client.FindIndex(v => v == hash);
            Assert.True(firstNew >= 5, "each client was answered by the old version first and the new one later");
            Assert.All(client.Skip(firstNew), v => Assert.Equal(hash, v));
        }
    }
}
