using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>SIGKILL of a silo: every acknowledged write survives, and the dead silo's grains answer from the survivor.</summary>
[Trait("Category", "Slow")]
public sealed class CrashTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    private const int Journals = 16;

    [Fact]
    public async Task Kill9DuringAStreamOfWritesLosesNoAcknowledgedWriteAndTheSurvivorServesTheDeadSilosGrains()
    {
        await using var victim = await SiloProcess.StartAsync(database.ConnectionString, "crash-victim");
        await using var survivor = await SiloProcess.StartAsync(database.ConnectionString, "crash-survivor");
        var acknowledged = new ConcurrentBag<long>();
        using var stop = new CancellationTokenSource();

        // Writers append increasing entries to their own journal grains through the victim's gateway, until it dies;
        // the journals' activations are spread over both silos by Orleans' placement.
        var writers = Enumerable.Range(0, Journals).Select(writer => Task.Run(async () =>
        {
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var entry = (writer * 1_000_000) + n;
                try
                {
                    using var response = await victim.Http.PostAsync($"/test/journal/j{writer}/{entry}", null, stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged.Add(entry);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    return;
                }
            }
        })).ToArray();

        await Eventually.WaitForAsync(() => acknowledged.Count, count => count > 500, TimeSpan.FromSeconds(30));
        var killedAt = Stopwatch.StartNew();
        victim.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // Each journal answers from the survivor; time until the last of them did.
        var stored = new HashSet<long>();
        for (var writer = 0; writer < Journals; writer++)
        {
            var entries = await Eventually.WaitForAsync<long[]?>(async () =>
            {
                try
                {
                    using var response = await survivor.Http.GetAsync($"/test/journal/j{writer}");
                    return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<long[]>() : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, e => e is not null, TimeSpan.FromSeconds(30));
            stored.UnionWith(entries!);
        }
        var recovered = killedAt.Elapsed;

        var lost = acknowledged.Where(entry => !stored.Contains(entry)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged writes were lost, e.g. {string.Join(", ", lost.Take(5))}");
        output.WriteLine($"{acknowledged.Count:N0} acknowledged writes before SIGKILL, none lost; every journal answered from the survivor {recovered.TotalSeconds:F2} s after the kill");
        Assert.True(recovered < TimeSpan.FromSeconds(30));
    }
}
