using System.Collections.Concurrent;
using System.Net.Http.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Runtime;

[Trait("Category", "Slow")]
public sealed class CrashTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Kill9DuringAStreamOfWritesLosesNoAcknowledgedWrite()
    {
        var acknowledged = new ConcurrentBag<long>();
        var silo = await SiloProcess.StartAsync(database.ConnectionString, "crash-victim");
        using var stop = new CancellationTokenSource();

        // 8 writers, each appending its own increasing entries to its own journal grain until the silo dies.
        var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var entry = (writer * 1_000_000) + n;
                try
                {
                    using var response = await silo.Http.PostAsync($"/test/journal/j{writer}/{entry}", null, stop.Token);
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

        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = acknowledged.Count;
        silo.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(before > 100, $"only {before} writes were acknowledged before the kill");

        await using var restarted = await SiloProcess.StartAsync(database.ConnectionString, "crash-survivor");
        var stored = new HashSet<long>();
        for (var writer = 0; writer < 8; writer++)
        {
            stored.UnionWith(await restarted.Http.GetFromJsonAsync<long[]>($"/test/journal/j{writer}") ?? []);
        }

        var lost = acknowledged.Where(entry => !stored.Contains(entry)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged writes were lost, e.g. {string.Join(", ", lost.Take(5))}");
        await silo.DisposeAsync();
    }
}
