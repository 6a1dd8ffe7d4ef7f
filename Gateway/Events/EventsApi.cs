using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Contracts.Wire;
using OrleansGoRelay.Gateway.Hosting;

namespace OrleansGoRelay.Gateway.Events;

/// <summary>One page of the event log, for clients that poll instead of holding a WebSocket.</summary>
/// <param name="Events">The events, in order.</param>
/// <param name="Next">The sequence to ask after next time (the last one here, or the one asked after when empty).</param>
public sealed record EventPage(IReadOnlyList<ClusterEvent> Events, long Next);

/// <summary>The cluster's event stream: <c>GET /api/v1/events</c>.</summary>
public static class EventsApi
{
    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/events", Events).WithTags("Events").WithSummary(
            "WebSocket: every cluster event (node_joined, node_left, round_started, gradient_received, model_updated, rewards_distributed, game_stamped) " +
            "as JSON text messages in the log's order; ?after=N first replays the events after sequence N. Without a WebSocket: one page after N as JSON.");
        return routes;
    }

    private static async Task<IResult> Events(HttpContext context, ClusterEventFeed feed, long? after = null)
    {
        if (after < 0)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_after", "after is a sequence number, 0 or more.");
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            var from = after ?? 0;
            var page = await feed.ReadAfterAsync(from, context.RequestAborted);
            return TypedResults.Ok(new EventPage(page, page.Count > 0 ? page[^1].Sequence : from));
        }
        var last = after ?? await feed.LatestAsync(context.RequestAborted);
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        await using var connection = new WebSocketConnection<JsonElement, ClusterEvent>(socket, new WebSocketLimits(MaxMessageBytes: 4096, SendQueue: 64))
        {
            OnMalformed = _ => null,
        };
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        // The client sends nothing that matters: reading only notices its close, which ends the sending loop.
        var reading = DrainAsync(connection, closed);
        try
        {
            while (!closed.IsCancellationRequested)
            {
                var page = await feed.ReadAfterAsync(last, closed.Token);
                if (page.Count == 0)
                {
                    await feed.WaitAsync(last, closed.Token);
                    continue;
                }
                foreach (var e in page)
                {
                    // Awaited: a slow client falls behind (and reads from the log) instead of losing events.
                    await connection.SendAsync(e, closed.Token);
                    last = e.Sequence;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away.
        }
        await closed.CancelAsync();
        await reading;
        return Results.Empty;
    }

    private static async Task DrainAsync(WebSocketConnection<JsonElement, ClusterEvent> connection, CancellationTokenSource closed)
    {
        try
        {
            await foreach (var _ in connection.ReceiveAsync(closed.Token))
            {
                // Nothing upstream.
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // Closed or gone.
        }
        await closed.CancelAsync();
    }
}
