using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Cluster;

/// <summary>
/// Game events reach WebSocket clients on any silo, whichever silo hosts the game. Events are one-way messages and
/// Orleans does not order messages, so a client orders moves by their number (the first message to a new sink can
/// overtake by the time its address is looked up); each arrives once.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterEventTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task MovesPlayedThroughOneSiloReachAnEventsSocketOnTheOther()
    {
        await using var a = await SiloProcess.StartAsync(database.ConnectionString, "events-a");
        await using var b = await SiloProcess.StartAsync(database.ConnectionString, "events-b");
        (await a.Http.PostAsJsonAsync("/api/v1/games", new { gameId = "evt", black = "x", white = "y", size = 9 })).EnsureSuccessStatusCode();

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{b.Port}/api/v1/games/evt/events"), CancellationToken.None);
        // The sink registrations settle within their refresh period; moves after that must all arrive.
        await Task.Delay(GameEventRegistrationSettle);
        string[] moves = ["E5", "C3", "G7"];
        for (var n = 0; n < moves.Length; n++)
        {
            var player = n % 2 == 0 ? "x" : "y";
            (await a.Http.PostAsJsonAsync("/api/v1/games/evt/moves", new { player, moveNumber = n + 1, move = moves[n] })).EnsureSuccessStatusCode();
        }

        var received = new List<(int Number, string Move)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[16 * 1024];
        while (received.Count < moves.Length)
        {
            var message = await socket.ReceiveAsync(buffer, timeout.Token);
            var json = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, message.Count)).RootElement;
            Assert.Equal("evt", json.GetProperty("gameId").GetString());
            var move = json.GetProperty("move");
            received.Add((move.GetProperty("number").GetInt32(), move.GetProperty("move").GetString()!));
        }
        Assert.Equal(moves.Select((m, i) => (i + 1, m)), received.OrderBy(r => r.Number));
    }

    private static readonly TimeSpan GameEventRegistrationSettle = TimeSpan.FromSeconds(1);
}
