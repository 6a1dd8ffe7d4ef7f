using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Events;

/// <summary>The cluster's activity and audit log on PostgreSQL, and its stream at <c>GET /api/v1/events</c>.</summary>
public sealed class ClusterEventLogTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private PostgresClusterEventLog Log() => new(database.DataSource, NullLogger<PostgresClusterEventLog>.Instance);

    [Fact]
    public async Task ConcurrentAppendsFromTwoSilosAreNumberedWithoutGapsAndAKeyIsLoggedOnce()
    {
        await database.MigrateAsync();
        await using var a = Log();
        await using var b = Log();
        var before = await a.LatestSequenceAsync();
        // 40 writers on two "silos"; every fourth event carries a key that another writer also uses.
        var appended = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? a : b).AppendAsync(
            ClusterEventType.GameStamped, $"game-{i}", new GameStamp($"game-{i}", "r1", "teaching", 10), i % 4 == 0 ? $"dedupe-{i % 40}" : null)));
        var logged = appended.Where(e => e is not null).Select(e => e!).ToList();
        Assert.Equal(150 + 10, logged.Count); // 150 unkeyed, 10 distinct keys
        var read = await ReadAllAsync(b, before);
        Assert.Equal(Enumerable.Range(1, logged.Count).Select(i => before + i), read.Select(e => e.Sequence));
        Assert.Equal(logged.OrderBy(e => e.Sequence).Select(e => e.Subject), read.Select(e => e.Subject));
        Assert.All(read, e => Assert.Equal("r1", e.Data.GetProperty("relayId").GetString()));
        Assert.Equal(before + logged.Count, await a.LatestSequenceAsync());
        // Commit order is sequence order: no event is visible before a smaller one (the time column follows it).
        Assert.True(read.Zip(read.Skip(1)).All(p => p.First.At <= p.Second.At));
    }

    [Fact]
    public async Task AnAppendOnOneSiloWakesAWaiterOnAnother()
    {
        await database.MigrateAsync();
        await using var writer = Log();
        await using var reader = Log();
        var latest = await reader.LatestSequenceAsync();
        // The first wait starts the listener and returns once it listens (it wakes every waiter when it has subscribed).
        await reader.WaitForAsync(latest, TimeSpan.FromMinutes(1), CancellationToken.None);
        var waiting = Stopwatch.StartNew();
        // A long timeout: the waiter must return because of the notification, long before it.
        var wait = reader.WaitForAsync(latest, TimeSpan.FromMinutes(2), CancellationToken.None);
        var logged = await writer.AppendAsync(ClusterEventType.NodeJoined, "relay-x", new NodeChange("relay-x", "healthy", "registered"));
        await wait.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(waiting.Elapsed < TimeSpan.FromMinutes(1));
        Assert.Equal(logged!.Sequence, (await reader.ReadAfterAsync(latest, 10)).Single().Sequence);
    }

    [Fact]
    public async Task TheLogIsAppendOnly()
    {
        await database.MigrateAsync();
        await using var log = Log();
        var logged = await log.AppendAsync(ClusterEventType.NodeLeft, "relay-y", new NodeChange("relay-y", "dead", "silent"));
        await using var update = database.DataSource.CreateCommand($"UPDATE audit.events SET subject = 'forged' WHERE sequence = {logged!.Sequence}");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        await using var delete = database.DataSource.CreateCommand("DELETE FROM audit.events");
        await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task TheStreamPushesARelaysJoiningAndReplaysAfterASequence()
    {
        await using var host = SiloHosts.Create(database.ConnectionString);
        var client = host.CreateClient();
        await SiloHosts.WaitReadyAsync(client);
        var start = (await client.GetFromJsonAsync<JsonElement>("/api/v1/events?after=0", ApiJson.Options)).GetProperty("next").GetInt64();
        var latest = start;
        while ((await client.GetFromJsonAsync<JsonElement>($"/api/v1/events?after={latest}", ApiJson.Options)).GetProperty("next").GetInt64() is var next && next != latest)
        {
            latest = next;
        }

        var sockets = host.Server.CreateWebSocketClient();
        using var live = await sockets.ConnectAsync(new Uri(host.Server.BaseAddress, "/api/v1/events"), CancellationToken.None);
        using var relay = new TestRelay("events-r1");
        Assert.Equal(HttpStatusCode.Created, (await relay.SendAsync(client, HttpMethod.Post, "/api/v1/relays", relay.Registration())).Status);

        var joined = await ReceiveAsync(live);
        Assert.Equal(ClusterEventType.NodeJoined, joined.Type);
        Assert.Equal("events-r1", joined.Subject);
        Assert.Equal("registered", joined.Data.GetProperty("reason").GetString());
        Assert.True(joined.Sequence > latest);

        // A client that connects later with ?after= gets what it missed, first.
        using var late = await sockets.ConnectAsync(new Uri(host.Server.BaseAddress, $"/api/v1/events?after={joined.Sequence - 1}"), CancellationToken.None);
        Assert.Equal(joined.Sequence, (await ReceiveAsync(late)).Sequence);

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/events?after={joined.Sequence - 1}", ApiJson.Options);
        Assert.Equal("node_joined", page.GetProperty("events")[0].GetProperty("type").GetString());
        var bad = await client.GetAsync("/api/v1/events?after=-1");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_after", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    private static async Task<List<ClusterEvent>> ReadAllAsync(PostgresClusterEventLog log, long after)
    {
        var all = new List<ClusterEvent>();
        while (await log.ReadAfterAsync(after, 64) is { Count: > 0 } page)
        {
            all.AddRange(page);
            after = page[^1].Sequence;
        }
        return all;
    }

    private static async Task<ClusterEvent> ReceiveAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonSerializer.Deserialize<ClusterEvent>(Encoding.UTF8.GetString(message.ToArray()), ApiJson.Options)!;
    }
}
