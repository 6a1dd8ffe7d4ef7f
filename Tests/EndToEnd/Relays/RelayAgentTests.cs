extern alias gorelay;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// The relay agent as its own process in front of a silo process: it relays a game between two players and enforces
/// its circuit-relay-v2 style limits (reservations, reservations per IP, circuits per peer, message size, circuit data).
/// </summary>
[Trait("Category", "Slow")]
public sealed class RelayAgentTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>A silo and a freshly registered agent (its own relay id: the test class shares one database).</summary>
    private static async Task<(SiloProcess Silo, ChildProcess Agent, int Port, string RelayId)> StartAsync(string connectionString, params string[] limits)
    {
        var silo = await SiloProcess.StartAsync(connectionString, "agent-host");
        var port = ChildProcess.FreePort();
        var relayId = "agent-" + Guid.NewGuid().ToString("N")[..8];
        var keys = Directory.CreateTempSubdirectory("gorelay-agent").FullName;
        var agent = ChildProcess.StartDotnet("relay agent", ChildProcess.BuiltDll("RelayAgent", "gorelay-relay"),
            ["--urls", $"http://127.0.0.1:{port}", $"--Relay:RelayId={relayId}", $"--Relay:KeyFile={keys}/key.pem", $"--Relay:Gateways:0={silo.Url}", .. limits]);
        await Eventually.WaitForAsync(async () => (await silo.Http.GetAsync($"/api/v1/relays/{relayId}")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        return (silo, agent, port, relayId);
    }

    /// <summary>Opens a player session, from <paramref name="from"/> (any 127.x.y.z address is this machine); the HTTP status when refused.</summary>
    private static async Task<(ClientWebSocket Socket, HttpStatusCode Status)> ConnectAsync(int port, string gameId, string player, string from = "127.0.0.1")
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/play?gameId={gameId}&player={player}"), invoker, CancellationToken.None);
        }
        catch (WebSocketException e) when (socket.HttpStatusCode != 0)
        {
            // Refused before the upgrade: the status says why.
            _ = e;
        }
        return (socket, socket.HttpStatusCode);
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket, string type)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, read.MessageType);
            var message = JsonDocument.Parse(buffer.AsMemory(0, read.Count)).RootElement.Clone();
            if (message.GetProperty("type").GetString() == type)
            {
                return message;
            }
        }
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<bool> ClosedByRelayAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, timeout.Token);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }
            }
        }
        catch (WebSocketException)
        {
            return true; // aborted
        }
    }

    [Fact]
    public async Task ARelayCarriesAGameBetweenTwoPlayersAndItsMetricsCountIt()
    {
        var (silo, agent, port, relayId) = await StartAsync(database.ConnectionString);
        await using var _ = silo;
        await using var __ = agent;
        await TestRelay.PostAsync(silo.Http, "/api/v1/games", new { gameId = "relayed", black = "ann", white = "ben", size = 9 });

        var (black, _) = await ConnectAsync(port, "relayed", "ann");
        var (white, _) = await ConnectAsync(port, "relayed", "ben");
        Assert.Equal("playing", (await ReceiveAsync(black, "welcome")).GetProperty("game").GetProperty("state").GetString());
        await ReceiveAsync(white, "welcome");

        await SendAsync(black, """{"type":"move","moveNumber":1,"move":"E5"}""");
        Assert.Equal("E5", (await ReceiveAsync(black, "ack")).GetProperty("move").GetProperty("move").GetProperty("move").GetString());
        var seen = await ReceiveAsync(white, "event");
        Assert.Equal("E5", seen.GetProperty("event").GetProperty("move").GetProperty("move").GetString());

        // Out of turn, and not JSON: errors on the session, which stays open.
        await SendAsync(black, """{"type":"move","moveNumber":2,"move":"D4"}""");
        Assert.Equal("not_your_turn", (await ReceiveAsync(black, "error")).GetProperty("code").GetString());
        await SendAsync(white, "{not json");
        Assert.Equal(400, (await ReceiveAsync(white, "error")).GetProperty("status").GetInt32());
        await SendAsync(white, """{"type":"sync"}""");
        Assert.Single((await ReceiveAsync(white, "game")).GetProperty("game").GetProperty("moves").EnumerateArray());

        var game = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/games/relayed");
        Assert.Equal(relayId, game.GetProperty("blackRelay").GetProperty("relayId").GetString());
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        // Series without labels may be written with or without "{}".
        Assert.Matches(@"(?m)^gorelay_relay_sessions(\{\})? 2$", metrics);
        Assert.Matches(@"(?m)^gorelay_relay_move_duration_seconds_count(\{\})? 2$", metrics);
        Assert.Contains("gorelay_relay_reservations_total{type=\"opened\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("gorelay_relay_circuits_total{type=\"opened\"} 2", metrics, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gorelay_relay_data_transferred_bytes_total\{direction=""up""\} [1-9]", metrics);
        // Every documented series is there (the circuit duration's once a circuit closes: see the limits test).
        Assert.All(MetricsTable.PrometheusNames("OrleansGoRelay.Relay").Where(n => n != "gorelay_relay_circuit_duration_seconds"),
            name => Assert.Contains("\n" + name, metrics, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LimitsRefuseASecondCircuitPerPeerTooManyReservationsAndOversizedMessages()
    {
        var (silo, agent, port, _) = await StartAsync(database.ConnectionString,
            "--Relay:Limits:MaxReservations=3", "--Relay:Limits:MaxReservationsPerIp=2", "--Relay:Limits:MaxCircuitsPerPeer=1",
            "--Relay:Limits:MaxMessageBytes=128", "--Relay:Limits:MaxCircuitBytes=1024");
        await using var _ = silo;
        await using var __ = agent;
        foreach (var id in new[] { "l1", "l2", "l3" })
        {
            await TestRelay.PostAsync(silo.Http, "/api/v1/games", new { gameId = id, black = id + "-b", white = id + "-w", size = 9 });
        }

        var (first, ok) = await ConnectAsync(port, "l1", "l1-b");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, ok);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ConnectAsync(port, "l2", "l1-b", from: "127.0.0.3")).Status); // circuits per peer
        var (second, _) = await ConnectAsync(port, "l1", "l1-w");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ConnectAsync(port, "l2", "l2-b")).Status); // reservations per IP
        var (third, fromElsewhere) = await ConnectAsync(port, "l2", "l2-b", from: "127.0.0.2");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, fromElsewhere);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ConnectAsync(port, "l3", "l3-b", from: "127.0.0.4")).Status); // reservations

        // A message over the size limit ends the circuit; so does more data than the circuit may carry.
        await ReceiveAsync(first, "welcome");
        await SendAsync(first, $$"""{"type":"sync","pad":"{{new string('x', 200)}}"}""");
        Assert.True(await ClosedByRelayAsync(first));
        await ReceiveAsync(second, "welcome");
        try
        {
            for (var i = 0; i < 80; i++)
            {
                await SendAsync(second, """{"type":"sync"}""");
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            // The relay closed the circuit under the sends.
        }
        Assert.True(await ClosedByRelayAsync(second));

        // A closed session frees its reservation.
        var (again, status) = await Eventually.WaitForAsync(() => ConnectAsync(port, "l3", "l3-b"), c => c.Status == HttpStatusCode.SwitchingProtocols, TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("gorelay_relay_reservation_rejections_total{limit=\"max_circuits_per_peer\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("gorelay_relay_reservation_rejections_total{limit=\"max_reservations\"} 1", metrics, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^gorelay_relay_circuit_duration_seconds_count(\{\})? [1-9]", metrics);
        again.Dispose();
        third.Dispose();
    }
}
