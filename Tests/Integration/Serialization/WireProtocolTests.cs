using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Wire;

namespace OrleansGoRelay.Tests.Serialization;

/// <summary>
/// The wire as relay agents, players and other implementations see it: the typed messages write exactly the JSON the
/// README documents, read what players have always been free to send, and travel whole and unmixed through
/// <see cref="WebSocketConnection{TReceive, TSend}"/>.
/// </summary>
public sealed class WireProtocolTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 21, 10, 30, 15, TimeSpan.Zero);

    private static string Json<T>(T message) => JsonSerializer.Serialize(message, ApiJson.Options);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, ApiJson.Options)!;

    [Fact]
    public void UplinkMessagesWriteTheDocumentedJson()
    {
        Assert.Equal("""{"op":"session","gameId":"g","player":"ann","id":1}""", Json<UplinkRequest>(new SessionCall("g", "ann") { Id = 1 }));
        Assert.Equal("""{"op":"move","moveNumber":3,"move":"D4","gameId":"g","player":"ann","id":2}""", Json<UplinkRequest>(new MoveCall("g", "ann", 3, "D4") { Id = 2 }));
        Assert.Equal("""{"op":"result","result":"W\u002BR","gameId":"g","player":"ann","id":3}""", Json<UplinkRequest>(new ResultCall("g", "ann", "W+R") { Id = 3 }));
        Assert.Equal("""{"op":"get","gameId":"g","player":"ann","id":4}""", Json<UplinkRequest>(new GetCall("g", "ann") { Id = 4 }));
        Assert.Equal("""{"op":"watch","gameId":"g"}""", Json<UplinkRequest>(new WatchRequest("g")));
        Assert.Equal("""{"op":"unwatch","gameId":"g"}""", Json<UplinkRequest>(new UnwatchRequest("g")));
        Assert.Equal("""{"op":"reply","id":5,"status":409,"body":{"code":"not_your_turn","detail":"Black to play."}}""",
            Json<GatewayMessage>(UplinkReply.Refused(5, 409, "not_your_turn", "Black to play.")));
        Assert.Equal("""{"op":"reply","id":null,"status":200,"body":null}""", Json<GatewayMessage>(UplinkReply.Ok(null, null)));
        var played = new PlayedMove(1, "B", "E5", At);
        Assert.Equal($$"""{"op":"event","event":{{Json(new GameEvent("move", "g", GameState.Playing, played))}}}""",
            Json<GatewayMessage>(new UplinkEvent(new GameEvent("move", "g", GameState.Playing, played))));
        // A reply carries its result as the result's own JSON, and reads back typed.
        var accepted = new MoveAccepted("g", played, GameState.Playing, null, false);
        var reply = Assert.IsType<UplinkReply>(Read<GatewayMessage>(Json<GatewayMessage>(UplinkReply.Ok(7, accepted))));
        Assert.Equal((7L, 200, accepted), (reply.Id, reply.Status, reply.Read<MoveAccepted>()));
    }

    [Fact]
    public void PlayerMessagesWriteTheDocumentedJsonAndReadWhatPlayersSend()
    {
        Assert.Equal("""{"type":"move","moveNumber":1,"move":"E5"}""", Json<PlayerMessage>(new MoveMessage(1, "E5")));
        Assert.Equal("""{"type":"result","result":"B\u002B3.5"}""", Json<PlayerMessage>(new ResultMessage("B+3.5")));
        Assert.Equal("""{"type":"sync"}""", Json<PlayerMessage>(new SyncMessage()));
        Assert.Equal("""{"type":"error","status":422,"code":"illegal_move","detail":"ko"}""", Json<RelayMessage>(new ErrorMessage(422, "illegal_move", "ko")));
        var accepted = new MoveAccepted("g", new PlayedMove(1, "B", "E5", At), GameState.Playing, null, false);
        Assert.Equal($$"""{"type":"ack","move":{{Json(accepted)}}}""", Json<RelayMessage>(new AckMessage(accepted)));

        // The type may come last, unknown members are ignored, and a type this side does not know reads as the base.
        Assert.Equal(new MoveMessage(2, "D4"), Read<PlayerMessage>("""{"move":"D4","moveNumber":2,"type":"move"}"""));
        Assert.Equal(new SyncMessage(), Read<PlayerMessage>("""{"type":"sync","pad":"xxxx"}"""));
        Assert.Equal(typeof(PlayerMessage), Read<PlayerMessage>("""{"type":"resign"}""").GetType());
        Assert.Equal(typeof(PlayerMessage), Read<PlayerMessage>("{}").GetType());
        Assert.Equal(new MoveMessage(null, null), Read<PlayerMessage>("""{"type":"move"}"""));
        Assert.Equal(typeof(RelayMessage), Read<RelayMessage>("""{"type":"chat","text":"hi"}""").GetType());
        Assert.Throws<JsonException>(() => Read<PlayerMessage>("""{"type":"move","moveNumber":"1","move":"E5"}"""));
    }

    /// <summary>Two ends of one WebSocket over loopback TCP.</summary>
    private static async Task<(WebSocket Client, WebSocket Server)> SocketPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await listener.AcceptTcpClientAsync();
        return (WebSocket.CreateFromStream(client.GetStream(), false, null, Timeout.InfiniteTimeSpan),
            WebSocket.CreateFromStream(server.GetStream(), true, null, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task ConcurrentSendsArriveWholeAndInOrderPerSender()
    {
        var (client, server) = await SocketPairAsync();
        await using var player = new WebSocketConnection<RelayMessage, PlayerMessage>(client, new WebSocketLimits(SendQueue: 10_000));
        await using var relay = new WebSocketConnection<PlayerMessage, RelayMessage>(server);
        const int Senders = 8, Each = 250;
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
        {
            for (var i = 1; i <= Each; i++)
            {
                await player.SendAsync(new MoveMessage(i, $"s{s}"), CancellationToken.None);
            }
        })));
        await player.CloseAsync();

        var received = new List<MoveMessage>();
        await foreach (var message in relay.ReceiveAsync(CancellationToken.None))
        {
            received.Add(Assert.IsType<MoveMessage>(message));
        }
        Assert.Equal(Senders * Each, received.Count);
        foreach (var sender in received.GroupBy(m => m.Move))
        {
            Assert.Equal(Enumerable.Range(1, Each), sender.Select(m => m.MoveNumber!.Value));
        }
    }

    [Fact]
    public async Task AMessageInManyFramesIsReadWholeAndMalformedOnesAreAnswered()
    {
        var (client, server) = await SocketPairAsync();
        await using var relay = new WebSocketConnection<PlayerMessage, RelayMessage>(server)
        {
            OnMalformed = e => new ErrorMessage(400, "malformed_json", e.Message),
        };
        var bytes = Encoding.UTF8.GetBytes("""{"type":"move","moveNumber":7,"move":"pass"}""");
        for (var i = 0; i < bytes.Length; i += 5)
        {
            await client.SendAsync(bytes.AsMemory(i, Math.Min(5, bytes.Length - i)), WebSocketMessageType.Text, i + 5 >= bytes.Length, CancellationToken.None);
        }
        await client.SendAsync("{not json"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await using var messages = relay.ReceiveAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await messages.MoveNextAsync());
        Assert.Equal(new MoveMessage(7, "pass"), messages.Current);

        // Reading on skips the malformed message and answers it; the session carries on until the player closes.
        var next = messages.MoveNextAsync();
        await using var player = new WebSocketConnection<RelayMessage, PlayerMessage>(client);
        await using var answers = player.ReceiveAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await answers.MoveNextAsync());
        var error = Assert.IsType<ErrorMessage>(answers.Current);
        Assert.Equal((400, "malformed_json"), (error.Status, error.Code));
        await player.CloseAsync();
        Assert.False(await next);
    }

    [Fact]
    public async Task AMessageOverTheLimitEndsTheConnectionWithMessageTooBig()
    {
        var (client, server) = await SocketPairAsync();
        await using var relay = new WebSocketConnection<PlayerMessage, RelayMessage>(server, new WebSocketLimits(MaxMessageBytes: 64));
        await client.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"sync","pad":"{{new string('x', 100)}}"}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        await Assert.ThrowsAsync<WebSocketLimitException>(async () =>
        {
            await foreach (var _ in relay.ReceiveAsync(CancellationToken.None))
            {
            }
        });
        await relay.CloseAsync();
        var buffer = new byte[256];
        var close = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, client.CloseStatus);
        client.Dispose();
    }
}
