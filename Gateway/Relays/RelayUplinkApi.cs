using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Wire;
using OrleansGoRelay.Gateway.Games;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Gateway.Relays;

/// <summary>
/// A relay's uplink: one WebSocket per relay (signed upgrade) that carries its players' game calls to the game
/// grains and brings back the events of the games it watches. When a relay's uplink drops while this silo keeps
/// running, the relay is reported suspect at once, which is what lets a dead relay's games move within a second.
/// </summary>
/// <remarks>
/// Relay → gateway: <see cref="UplinkRequest"/> (the calls <see cref="SessionCall"/>, <see cref="MoveCall"/>,
/// <see cref="ResultCall"/>, <see cref="GetCall"/>, and <see cref="WatchRequest"/>, <see cref="UnwatchRequest"/>).
/// Gateway → relay: <see cref="UplinkReply"/> to each (status 200, or a problem's status with the problem as its body)
/// and <see cref="UplinkEvent"/> with a <see cref="GameEvent"/>.
/// </remarks>
public static partial class RelayUplinkApi
{
    /// <summary>Maps <c>/api/v1/relays/{relayId}/uplink</c>.</summary>
    public static IEndpointRouteBuilder MapRelayUplinkApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/relays/{relayId}/uplink", Connect).WithTags("Relays")
            .WithSummary("(relay-signed WebSocket) The relay's uplink: game calls up, game events down.");
        return routes;
    }

    private static async Task Connect(string relayId, HttpContext context, RelayAuthentication authentication, RelayUplinkHub hub)
    {
        var (signer, problem) = await authentication.VerifyAsync(context);
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        if (signer != relayId)
        {
            await Problems.Create(StatusCodes.Status403Forbidden, "relay_id_mismatch", "A relay opens only its own uplink.").ExecuteAsync(context);
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problems.Create(StatusCodes.Status400BadRequest, "websocket_required", "Connect with a WebSocket.").ExecuteAsync(context);
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await hub.RunAsync(relayId, socket, context.RequestAborted);
    }
}

/// <summary>This silo's relay uplinks and the games each watches.</summary>
public sealed partial class RelayUplinkHub(IGrainFactory grains, GameEventHub events, IHostApplicationLifetime lifetime, ILogger<RelayUplinkHub> logger)
{
    /// <summary>Serves one uplink until it closes.</summary>
    public async Task RunAsync(string relayId, WebSocket socket, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(socket);
        await using var connection = new WebSocketConnection<UplinkRequest, GatewayMessage>(socket, new WebSocketLimits(Uplink.MaxMessageBytes, SendQueue: 65_536))
        {
            OnMalformed = e => UplinkReply.Refused(null, StatusCodes.Status400BadRequest, "malformed_message", e.Message),
        };
        var uplink = new RelayLink(relayId, connection);
        var closedByRelay = false;
        try
        {
            await foreach (var request in connection.ReceiveAsync(aborted))
            {
                _ = HandleAsync(uplink, request);
            }
            closedByRelay = true;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            closedByRelay = !lifetime.ApplicationStopping.IsCancellationRequested;
        }
        finally
        {
            uplink.UnwatchAll();
        }
        if (closedByRelay && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            LogUplinkLost(logger, relayId);
            await grains.GetGrain<IRelayNodeGrain>(relayId).ReportUplinkLost().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(RelayLink uplink, UplinkRequest request)
    {
        try
        {
            object? body = request switch
            {
                WatchRequest watch => Watch(uplink, watch.GameId ?? "", true),
                UnwatchRequest unwatch => Watch(uplink, unwatch.GameId ?? "", false),
                SessionCall session => await AssignAsync(uplink, session.GameId ?? "", session.Player ?? "").ConfigureAwait(false),
                MoveCall move => await Game(move).Play(new MoveSubmission(move.Player ?? "", move.MoveNumber ?? 0, move.Move ?? "")).ConfigureAwait(false),
                ResultCall result => await Game(result).SubmitResult(new ResultClaim(result.Player ?? "", result.Result ?? "")).ConfigureAwait(false),
                GetCall get => await Game(get).GetGame().ConfigureAwait(false) ?? throw RequestRefusedException.NotFound("unknown_game", $"There is no game '{get.GameId}'."),
                _ => throw RequestRefusedException.BadRequest("unknown_op", "op is session, move, result, get, watch or unwatch."),
            };
            uplink.Send(UplinkReply.Ok(request.Id, body));
        }
        catch (Exception e)
        {
            // The same refusals, statuses and codes as the HTTP routes; anything unknown is worth a retry (calls are idempotent).
            var refusal = Refusals.Describe(e);
            if (refusal.Status >= 500)
            {
                LogCallFailed(logger, e, uplink.RelayId);
            }
            uplink.Send(UplinkReply.Refused(request.Id, refusal.Status, refusal.Code, refusal.Detail));
        }
    }

    private IGameGrain Game(UplinkCall call) => grains.GetGrain<IGameGrain>(call.GameId ?? "");

    private async Task<GameView?> AssignAsync(RelayLink uplink, string gameId, string player)
    {
        await grains.GetGrain<IRelayNodeGrain>(uplink.RelayId).OpenSession(gameId, player).ConfigureAwait(false);
        Watch(uplink, gameId, true);
        return await grains.GetGrain<IGameGrain>(gameId).GetGame().ConfigureAwait(false);
    }

    private object? Watch(RelayLink uplink, string gameId, bool watch)
    {
        if (watch)
        {
            uplink.Watch(gameId, events);
        }
        else
        {
            uplink.Unwatch(gameId);
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The uplink of relay {RelayId} dropped; reporting it suspect")]
    private static partial void LogUplinkLost(ILogger logger, string relayId);

    [LoggerMessage(Level = LogLevel.Error, Message = "An uplink call from relay {RelayId} failed")]
    private static partial void LogCallFailed(ILogger logger, Exception exception, string relayId);

    /// <summary>One connected relay: its connection (one writer, so sends never interleave) and the games it watches.</summary>
    private sealed class RelayLink(string relayId, WebSocketConnection<UplinkRequest, GatewayMessage> connection)
    {
        private readonly ConcurrentDictionary<string, IDisposable> _watching = new(StringComparer.Ordinal);

        public string RelayId => relayId;

        public void Watch(string gameId, GameEventHub events)
        {
            if (_watching.ContainsKey(gameId))
            {
                return;
            }
            var watch = events.Watch(gameId, e => Send(new UplinkEvent(e)));
            if (!_watching.TryAdd(gameId, watch))
            {
                watch.Dispose();
            }
        }

        public void Unwatch(string gameId)
        {
            if (_watching.TryRemove(gameId, out var watch))
            {
                watch.Dispose();
            }
        }

        public void UnwatchAll()
        {
            foreach (var gameId in _watching.Keys)
            {
                Unwatch(gameId);
            }
        }

        public void Send(GatewayMessage message) => connection.Send(message);
    }
}
