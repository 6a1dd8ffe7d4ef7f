using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
/// Relay → gateway, one JSON object per text message: <c>{op:"session"|"move"|"result"|"get", id, gameId, player,
/// moveNumber, move, result}</c> and <c>{op:"watch"|"unwatch", gameId}</c>. Gateway → relay:
/// <c>{op:"reply", id, status, body}</c> (status 200, or a problem's status with <c>body</c> the problem) and
/// <c>{op:"event", event}</c> with a <see cref="GameEvent"/>.
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
public sealed partial class RelayUplinkHub(IGrainFactory grains, GameEventHub events, IHostApplicationLifetime lifetime, IOptions<JsonOptions> json, ILogger<RelayUplinkHub> logger)
{
    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    /// <summary>Serves one uplink until it closes.</summary>
    public async Task RunAsync(string relayId, WebSocket socket, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var uplink = new Uplink(relayId, socket);
        var writer = uplink.WriteLoopAsync(aborted);
        var closedByRelay = false;
        try
        {
            await foreach (var message in uplink.ReadAsync(aborted))
            {
                _ = HandleAsync(uplink, message);
            }
            closedByRelay = true;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException)
        {
            closedByRelay = !lifetime.ApplicationStopping.IsCancellationRequested;
        }
        finally
        {
            uplink.UnwatchAll();
            uplink.Complete();
            await writer.ConfigureAwait(false);
        }
        if (closedByRelay && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            LogUplinkLost(logger, relayId);
            await grains.GetGrain<IRelayNodeGrain>(relayId).ReportUplinkLost().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(Uplink uplink, string text)
    {
        JsonNode? id = null;
        try
        {
            var request = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("An uplink message is a JSON object.");
            id = request["id"]?.DeepClone();
            var op = (string?)request["op"];
            var gameId = (string?)request["gameId"] ?? "";
            var player = (string?)request["player"] ?? "";
            var game = grains.GetGrain<IGameGrain>(gameId);
            object? body = op switch
            {
                "watch" => Watch(uplink, gameId, true),
                "unwatch" => Watch(uplink, gameId, false),
                "session" => await AssignAsync(uplink, game, gameId, player).ConfigureAwait(false),
                "move" => await game.Play(new MoveSubmission(player, (int?)request["moveNumber"] ?? 0, (string?)request["move"] ?? "")).ConfigureAwait(false),
                "result" => await game.SubmitResult(new ResultClaim(player, (string?)request["result"] ?? "")).ConfigureAwait(false),
                "get" => await game.GetGame().ConfigureAwait(false) ?? throw RequestRefusedException.NotFound("unknown_game", $"There is no game '{gameId}'."),
                _ => throw RequestRefusedException.BadRequest("unknown_op", $"'{op}' is not an uplink operation."),
            };
            Reply(uplink, id, 200, body);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            Reply(uplink, id, 400, new { code = "malformed_message", detail = e.Message });
        }
        catch (Exception e)
        {
            // The same refusals, statuses and codes as the HTTP routes; anything unknown is worth a retry (calls are idempotent).
            var refusal = Refusals.Describe(e);
            if (refusal.Status >= 500)
            {
                LogCallFailed(logger, e, uplink.RelayId);
            }
            Reply(uplink, id, refusal.Status, new { code = refusal.Code, detail = refusal.Detail });
        }
    }

    private async Task<GameView?> AssignAsync(Uplink uplink, IGameGrain game, string gameId, string player)
    {
        await grains.GetGrain<IRelayNodeGrain>(uplink.RelayId).OpenSession(gameId, player).ConfigureAwait(false);
        Watch(uplink, gameId, true);
        return await game.GetGame().ConfigureAwait(false);
    }

    private object? Watch(Uplink uplink, string gameId, bool watch)
    {
        if (watch)
        {
            uplink.Watch(gameId, events, Json);
        }
        else
        {
            uplink.Unwatch(gameId);
        }
        return null;
    }

    private void Reply(Uplink uplink, JsonNode? id, int status, object? body) =>
        uplink.Send(JsonSerializer.Serialize(new { op = "reply", id, status, body }, Json));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The uplink of relay {RelayId} dropped; reporting it suspect")]
    private static partial void LogUplinkLost(ILogger logger, string relayId);

    [LoggerMessage(Level = LogLevel.Error, Message = "An uplink call from relay {RelayId} failed")]
    private static partial void LogCallFailed(ILogger logger, Exception exception, string relayId);

    /// <summary>One connected relay: a reader and a single writer draining a queue, so sends never interleave.</summary>
    private sealed class Uplink(string relayId, WebSocket socket)
    {
        private readonly Channel<string> _outgoing = Channel.CreateBounded<string>(new BoundedChannelOptions(65_536) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        private readonly ConcurrentDictionary<string, IDisposable> _watching = new(StringComparer.Ordinal);

        public string RelayId => relayId;

        public void Watch(string gameId, GameEventHub events, JsonSerializerOptions json)
        {
            if (_watching.ContainsKey(gameId))
            {
                return;
            }
            var watch = events.Watch(gameId, e => Send(JsonSerializer.Serialize(new { op = "event", @event = e }, json)));
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

        public void Send(string message) => _outgoing.Writer.TryWrite(message);

        public void Complete() => _outgoing.Writer.TryComplete();

        public async Task WriteLoopAsync(CancellationToken aborted)
        {
            try
            {
                await foreach (var message in _outgoing.Reader.ReadAllAsync(aborted).ConfigureAwait(false))
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, aborted).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The relay went away; the reader notices too.
            }
        }

        public async IAsyncEnumerable<string> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken aborted)
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, aborted).ConfigureAwait(false);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    yield break;
                }
                message.Write(buffer, 0, read.Count);
                if (message.Length > RelayAuthentication.MaxBodyBytes)
                {
                    throw new JsonException("An uplink message is at most 1 MiB.");
                }
                if (read.EndOfMessage)
                {
                    yield return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                    message.SetLength(0);
                }
            }
        }
    }
}
