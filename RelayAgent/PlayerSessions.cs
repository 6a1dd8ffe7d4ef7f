using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace OrleansGoRelay.RelayAgent;

/// <summary>
/// Players' WebSocket connections (<c>/play?gameId=..&amp;player=..</c>). The relay keeps nothing but the open
/// sockets: on connect it records the session with the game grain and sends the whole game (<c>welcome</c>), so a
/// player arriving after a failover or a relay restart simply resumes; moves and results go up the uplink and the
/// acknowledgement comes back, and the game's events (the opponent's moves, results, reassignments) come down.
/// </summary>
/// <remarks>
/// Player → relay: <c>{type:"move", moveNumber, move}</c>, <c>{type:"result", result}</c>, <c>{type:"sync"}</c>.
/// Relay → player: <c>{type:"welcome", game}</c>, <c>{type:"ack", move}</c>, <c>{type:"game", game}</c>,
/// <c>{type:"event", event}</c>, <c>{type:"error", status, code, detail}</c>.
/// </remarks>
public sealed class PlayerSessions
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Session, byte>> _byGame = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _byIp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _byPlayer = new(StringComparer.Ordinal);
    private readonly GatewayLink _link;
    private readonly RelayAgentMetrics _metrics;
    private readonly RelayLimits _limits;
    private int _open;

    public PlayerSessions(GatewayLink link, RelayAgentMetrics metrics, IOptions<RelayAgentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        _link = link;
        _metrics = metrics;
        _limits = options.Value.Limits;
        link.GameEvent += Deliver;
        link.WatchedGames = () => _byGame.Where(g => !g.Value.IsEmpty).Select(g => g.Key).ToList();
        link.Load = () => (_open, _byGame.Count(g => !g.Value.IsEmpty));
    }

    /// <summary>Serves a player's connection.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var gameId = context.Request.Query["gameId"].ToString();
        var player = context.Request.Query["player"].ToString();
        if (!context.WebSockets.IsWebSocketRequest || gameId.Length is 0 or > 64 || player.Length is 0 or > 64)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "bad_request", "Connect a WebSocket to /play?gameId=..&player=..").ConfigureAwait(false);
            return;
        }
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? IPAddress.None.ToString();
        var limit = Reserve(ip, player);
        if (limit is not null)
        {
            _metrics.Refused.Add(1, new KeyValuePair<string, object?>("limit", limit));
            await Refuse(context, StatusCodes.Status429TooManyRequests, "relay_limit", $"Relay limit reached: {limit}.").ConfigureAwait(false);
            return;
        }
        _metrics.Sessions.Add(1);
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            var session = new Session(gameId, player, socket, _limits);
            await RunAsync(session, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            Release(ip, player);
            _metrics.Sessions.Add(-1);
        }
    }

    private async Task RunAsync(Session session, CancellationToken aborted)
    {
        using var circuit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        circuit.CancelAfter(_limits.MaxCircuitDuration);
        var watchers = _byGame.GetOrAdd(session.GameId, _ => new());
        watchers.TryAdd(session, 0);
        var writer = session.WriteLoopAsync(_metrics, circuit.Token);
        try
        {
            var welcome = await _link.CallAsync(new JsonObject { ["op"] = "session", ["gameId"] = session.GameId, ["player"] = session.Player }, circuit.Token).ConfigureAwait(false);
            if (welcome.Status != 200)
            {
                session.Send(Error(welcome));
                return;
            }
            session.Send(new JsonObject { ["type"] = "welcome", ["game"] = welcome.Body?.DeepClone() });
            await foreach (var message in session.ReadAsync(circuit.Token).ConfigureAwait(false))
            {
                _metrics.Messages.Add(1, new KeyValuePair<string, object?>("direction", "up"));
                _metrics.Bytes.Add(message.Length);
                _ = ForwardAsync(session, message, circuit.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or System.Text.Json.JsonException or CircuitLimitException)
        {
            // The player left, the circuit ran out of time or data, or sent garbage: the session ends; the game lives on in the cluster.
        }
        finally
        {
            watchers.TryRemove(session, out _);
            if (watchers.IsEmpty)
            {
                await _link.WatchAsync(session.GameId, false, CancellationToken.None).ConfigureAwait(false);
            }
            session.Complete();
            await writer.ConfigureAwait(false);
        }
    }

    private async Task ForwardAsync(Session session, string text, CancellationToken cancellationToken)
    {
        try
        {
            var message = JsonNode.Parse(text) as JsonObject;
            var type = (string?)message?["type"];
            var request = type switch
            {
                "move" => new JsonObject { ["op"] = "move", ["moveNumber"] = message!["moveNumber"]?.DeepClone(), ["move"] = message["move"]?.DeepClone() },
                "result" => new JsonObject { ["op"] = "result", ["result"] = message!["result"]?.DeepClone() },
                "sync" => new JsonObject { ["op"] = "get" },
                _ => null,
            };
            if (request is null)
            {
                session.Send(new JsonObject { ["type"] = "error", ["status"] = 400, ["code"] = "unknown_type", ["detail"] = "type is move, result or sync." });
                return;
            }
            request["gameId"] = session.GameId;
            request["player"] = session.Player;
            var started = Stopwatch.GetTimestamp();
            var reply = await _link.CallAsync(request, cancellationToken).ConfigureAwait(false);
            if (type == "move")
            {
                _metrics.MoveDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
            session.Send(reply.Status != 200 ? Error(reply) : type == "move"
                ? new JsonObject { ["type"] = "ack", ["move"] = reply.Body?.DeepClone() }
                : new JsonObject { ["type"] = "game", ["game"] = reply.Body?.DeepClone() });
        }
        catch (System.Text.Json.JsonException e)
        {
            session.Send(new JsonObject { ["type"] = "error", ["status"] = 400, ["code"] = "malformed_json", ["detail"] = e.Message });
        }
        catch (OperationCanceledException)
        {
            // The session ended.
        }
    }

    private void Deliver(JsonNode gameEvent)
    {
        if ((string?)gameEvent["gameId"] is { } gameId && _byGame.TryGetValue(gameId, out var sessions))
        {
            foreach (var session in sessions.Keys)
            {
                session.Send(new JsonObject { ["type"] = "event", ["event"] = gameEvent.DeepClone() });
                _metrics.Messages.Add(1, new KeyValuePair<string, object?>("direction", "down"));
            }
        }
    }

    private string? Reserve(string ip, string player)
    {
        if (Interlocked.Increment(ref _open) > _limits.MaxReservations)
        {
            Interlocked.Decrement(ref _open);
            return "max_reservations";
        }
        if (_byIp.AddOrUpdate(ip, 1, (_, n) => n + 1) > _limits.MaxReservationsPerIp)
        {
            Interlocked.Decrement(ref _open);
            _byIp.AddOrUpdate(ip, 0, (_, n) => n - 1);
            return "max_reservations_per_ip";
        }
        if (_byPlayer.AddOrUpdate(player, 1, (_, n) => n + 1) > _limits.MaxCircuitsPerPeer)
        {
            Release(ip, player);
            return "max_circuits_per_peer";
        }
        return null;
    }

    private void Release(string ip, string player)
    {
        Interlocked.Decrement(ref _open);
        _byIp.AddOrUpdate(ip, 0, (_, n) => n - 1);
        _byPlayer.AddOrUpdate(player, 0, (_, n) => n - 1);
    }

    private static JsonObject Error(UplinkReply reply) => new()
    {
        ["type"] = "error",
        ["status"] = reply.Status,
        ["code"] = reply.Body?["code"]?.DeepClone(),
        ["detail"] = reply.Body?["detail"]?.DeepClone(),
    };

    private static Task Refuse(HttpContext context, int status, string code, string detail) =>
        Results.Problem(statusCode: status, title: code.Replace('_', ' '), detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code }).ExecuteAsync(context);

    /// <summary>A circuit passed its data limit.</summary>
    private sealed class CircuitLimitException(string message) : Exception(message);

    /// <summary>One player's socket: a reader, and one writer draining a queue so sends never interleave.</summary>
    private sealed class Session(string gameId, string player, WebSocket socket, RelayLimits limits)
    {
        private readonly System.Threading.Channels.Channel<JsonObject> _outgoing = System.Threading.Channels.Channel.CreateBounded<JsonObject>(
            new System.Threading.Channels.BoundedChannelOptions(1024) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest, SingleReader = true });
        private long _bytes;

        public string GameId => gameId;

        public string Player => player;

        public void Send(JsonObject message) => _outgoing.Writer.TryWrite(message);

        public void Complete() => _outgoing.Writer.TryComplete();

        public async Task WriteLoopAsync(RelayAgentMetrics metrics, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
                    metrics.Bytes.Add(bytes.Length);
                    await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
                }
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "session ended", CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The player went away.
            }
        }

        public async IAsyncEnumerable<string> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var buffer = new byte[limits.MaxMessageBytes];
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    yield break;
                }
                if (!read.EndOfMessage)
                {
                    throw new CircuitLimitException($"Messages are at most {limits.MaxMessageBytes} bytes.");
                }
                if (Interlocked.Add(ref _bytes, read.Count) > limits.MaxCircuitBytes)
                {
                    throw new CircuitLimitException("The circuit's data limit is spent.");
                }
                yield return Encoding.UTF8.GetString(buffer, 0, read.Count);
            }
        }
    }
}
