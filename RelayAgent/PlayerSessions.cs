using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Wire;

namespace OrleansGoRelay.RelayAgent;

/// <summary>
/// Players' WebSocket connections (<c>/play?gameId=..&amp;player=..</c>). The relay keeps nothing but the open
/// sockets: on connect it records the session with the game grain and sends the whole game (<c>welcome</c>), so a
/// player arriving after a failover or a relay restart simply resumes; moves and results go up the uplink and the
/// acknowledgement comes back, and the game's events (the opponent's moves, results, reassignments) come down.
/// </summary>
/// <remarks>
/// The messages are <see cref="PlayerMessage"/> (player → relay: move, result, sync) and <see cref="RelayMessage"/>
/// (relay → player: welcome, ack, game, event, error), each relayed as an <see cref="UplinkCall"/>.
/// </remarks>
public sealed class PlayerSessions
{
    private static readonly KeyValuePair<string, object?> Up = new("direction", "up");
    private static readonly KeyValuePair<string, object?> Down = new("direction", "down");
    private static readonly KeyValuePair<string, object?> Opened = new("type", "opened");
    private static readonly KeyValuePair<string, object?> Closed = new("type", "closed");

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Session, byte>> _byGame = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _carried = new(StringComparer.Ordinal);

    /// <summary>Every game this process carried a session of (the federated trainer stamps the ones that end with consensus).</summary>
    public IReadOnlyCollection<string> CarriedGames => (IReadOnlyCollection<string>)_carried.Keys;
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
        _carried.TryAdd(gameId, 0);
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? IPAddress.None.ToString();
        var limit = Reserve(ip, player);
        if (limit is not null)
        {
            _metrics.ReservationRejections.Add(1, new KeyValuePair<string, object?>("limit", limit));
            await Refuse(context, StatusCodes.Status429TooManyRequests, "relay_limit", $"Relay limit reached: {limit}.").ConfigureAwait(false);
            return;
        }
        _metrics.Sessions.Add(1);
        _metrics.Reservations.Add(1, Opened);
        long? circuitOpenedAt = null;
        try
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            circuitOpenedAt = Stopwatch.GetTimestamp();
            _metrics.Circuits.Add(1, Opened);
            // The circuit's limits: the size of one message and the data the player may send over the circuit's life.
            await using var connection = new WebSocketConnection<PlayerMessage, RelayMessage>(socket,
                new WebSocketLimits(_limits.MaxMessageBytes, _limits.MaxCircuitBytes, SendQueue: 1024))
            {
                OnMalformed = e => new ErrorMessage(StatusCodes.Status400BadRequest, "malformed_json", e.Message),
                OnReceived = bytes =>
                {
                    _metrics.Messages.Add(1, Up);
                    _metrics.DataTransferred.Add(bytes, Up);
                },
                OnSent = bytes => _metrics.DataTransferred.Add(bytes, Down),
            };
            await RunAsync(new Session(gameId, player, connection), context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            if (circuitOpenedAt is { } openedAt)
            {
                _metrics.Circuits.Add(1, Closed);
                _metrics.CircuitDuration.Record(Stopwatch.GetElapsedTime(openedAt).TotalSeconds);
            }
            Release(ip, player);
            _metrics.Sessions.Add(-1);
            _metrics.Reservations.Add(1, Closed);
        }
    }

    private async Task RunAsync(Session session, CancellationToken aborted)
    {
        using var circuit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        circuit.CancelAfter(_limits.MaxCircuitDuration);
        var watchers = _byGame.GetOrAdd(session.GameId, _ => new());
        watchers.TryAdd(session, 0);
        try
        {
            var welcome = await _link.CallAsync(new SessionCall(session.GameId, session.Player), circuit.Token).ConfigureAwait(false);
            session.Send(welcome.Status == 200 ? new WelcomeMessage(welcome.Read<GameView>()) : Error(welcome));
            if (welcome.Status != 200)
            {
                return;
            }
            await foreach (var message in session.Connection.ReceiveAsync(circuit.Token).ConfigureAwait(false))
            {
                _ = ForwardAsync(session, message, circuit.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or JsonException)
        {
            // The player left, the circuit ran out of time or data (a WebSocketLimitException), or the cluster's answer
            // was not a game: the session ends; the game lives on in the cluster.
        }
        finally
        {
            watchers.TryRemove(session, out _);
            if (watchers.IsEmpty)
            {
                await _link.WatchAsync(session.GameId, false, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task ForwardAsync(Session session, PlayerMessage message, CancellationToken cancellationToken)
    {
        UplinkCall? call = message switch
        {
            MoveMessage move => new MoveCall(session.GameId, session.Player, move.MoveNumber, move.Move),
            ResultMessage result => new ResultCall(session.GameId, session.Player, result.Result),
            SyncMessage => new GetCall(session.GameId, session.Player),
            _ => null,
        };
        if (call is null)
        {
            session.Send(new ErrorMessage(StatusCodes.Status400BadRequest, "unknown_type", "type is move, result or sync."));
            return;
        }
        try
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await _link.CallAsync(call, cancellationToken).ConfigureAwait(false);
            if (call is MoveCall)
            {
                _metrics.MoveDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
            session.Send(reply.Status != 200 ? Error(reply)
                : call is MoveCall ? new AckMessage(reply.Read<MoveAccepted>())
                : new GameMessage(reply.Read<GameView>()));
        }
        catch (JsonException e)
        {
            session.Send(new ErrorMessage(StatusCodes.Status502BadGateway, "malformed_reply", e.Message));
        }
        catch (OperationCanceledException)
        {
            // The session ended.
        }
    }

    private void Deliver(GameEvent gameEvent)
    {
        if (_byGame.TryGetValue(gameEvent.GameId, out var sessions))
        {
            foreach (var session in sessions.Keys)
            {
                session.Send(new EventMessage(gameEvent));
                _metrics.Messages.Add(1, Down);
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

    private static ErrorMessage Error(UplinkReply reply)
    {
        var problem = reply.ReadProblem();
        return new(reply.Status, problem.Code, problem.Detail);
    }

    private static Task Refuse(HttpContext context, int status, string code, string detail) =>
        Results.Problem(statusCode: status, title: code.Replace('_', ' '), detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code }).ExecuteAsync(context);

    /// <summary>One player's session: its game, its player and its connection (whose one writer keeps sends from interleaving).</summary>
    private sealed class Session(string gameId, string player, WebSocketConnection<PlayerMessage, RelayMessage> connection)
    {
        public string GameId => gameId;

        public string Player => player;

        public WebSocketConnection<PlayerMessage, RelayMessage> Connection => connection;

        public void Send(RelayMessage message) => connection.Send(message);
    }
}
