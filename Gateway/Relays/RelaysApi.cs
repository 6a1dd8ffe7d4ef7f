using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Gateway.Relays;

/// <summary>The relay routes: registration, heartbeats, the relay list, and routing players to relays.</summary>
public static class RelaysApi
{
    /// <summary>A player asking for a relay.</summary>
    public sealed record RouteBody(string? PlayerId, double Latitude, double Longitude, string? GameType, string? Region);

    /// <summary>Maps <c>/api/v1/relays</c> and <c>/api/v1/route</c>.</summary>
    public static IEndpointRouteBuilder MapRelaysApi(this IEndpointRouteBuilder routes)
    {
        var relays = routes.MapGroup("/api/v1/relays").WithTags("Relays");
        relays.MapPost("/", Register).Accepts<RelayRegistration>("application/json")
            .WithSummary("Registers a relay (signed with the key it registers); re-registration must use the same key.");
        relays.MapPost("/{relayId}/heartbeat", Heartbeat).Accepts<RelayHeartbeat>("application/json")
            .WithSummary("A signed heartbeat with load metrics; answers the relay's health and the heartbeat interval.");
        relays.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok((await grains.GetGrain<IRelayDirectoryGrain>(IRelayDirectoryGrain.Key).List()).Select(Describe)))
            .WithSummary("Every relay with its health, load and role.");
        relays.MapGet("/{relayId}", async (string relayId, IGrainFactory grains) =>
                await grains.GetGrain<IRelayNodeGrain>(relayId).GetRelay() is { } relay
                    ? Results.Ok(Describe(relay))
                    : UnknownRelay(relayId))
            .WithSummary("One relay with its health, load and role.");
        routes.MapPost("/api/v1/route", Route).WithTags("Relays")
            .WithSummary("The best relay for a player: closest healthy relay with free capacity, by game type; the score explains the choice.");
        return routes;
    }

    /// <summary>The 404 of a relay id no relay registered.</summary>
    public static ProblemHttpResult UnknownRelay(string relayId) =>
        Problems.Create(StatusCodes.Status404NotFound, "unknown_relay", $"Relay '{relayId}' is not registered.");

    /// <summary>A relay as the API shows it.</summary>
    public static object Describe(RelayView relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        var r = relay.Registration;
        return new
        {
            relayId = r.RelayId,
            publicKey = r.PublicKey,
            region = r.Region,
            latitude = r.Latitude,
            longitude = r.Longitude,
            address = r.Address,
            capacity = r.Capacity,
            bandwidthMbps = r.BandwidthMbps,
            flEnabled = r.FlEnabled,
            stakedTokens = r.StakedTokens,
            role = LedgerNames.NameOf(r.Role),
            health = LedgerNames.NameOf(relay.Health),
            load = new { sessions = relay.Sessions, circuits = relay.Circuits, freeCapacity = relay.FreeCapacity, latencyMs = relay.LatencyMs, cpuPercent = relay.CpuPercent },
            reputation = relay.Reputation,
            recentFailures = relay.Failures.Count,
            registeredAt = relay.RegisteredAt,
            lastHeartbeatAt = relay.LastHeartbeatAt,
            healthChangedAt = relay.HealthChangedAt,
            quarantinedUntil = relay.QuarantinedUntil,
        };
    }

    private static async Task<IResult> Register(HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (request, problem) = await authentication.VerifyAsync<RelayRegistration>(context, r => r.PublicKey);
        if (request is null)
        {
            return problem!;
        }
        if (request.RelayId != request.Body.RelayId)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "relay_id_mismatch", "The signing relay and the registered relay differ.");
        }
        var relay = await grains.GetGrain<IRelayNodeGrain>(request.RelayId).Register(request.Body);
        return TypedResults.Created($"/api/v1/relays/{relay.RelayId}", Describe(relay));
    }

    private static async Task<IResult> Heartbeat(string relayId, HttpContext context, RelayAuthentication authentication, IGrainFactory grains,
        Microsoft.Extensions.Options.IOptions<RelayOptions> options)
    {
        var (request, problem) = await authentication.VerifyAsync<RelayHeartbeat>(context);
        if (request is null)
        {
            return problem!;
        }
        if (request.RelayId != relayId)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "relay_id_mismatch", "A relay beats only for itself.");
        }
        var relay = await grains.GetGrain<IRelayNodeGrain>(relayId).Heartbeat(request.Body);
        return TypedResults.Ok(new HeartbeatReply(LedgerNames.NameOf(relay.Health), options.Value.HeartbeatInterval.TotalMilliseconds));
    }

    private static async Task<IResult> Route(RouteBody body, IGrainFactory grains)
    {
        if (!TryGameType(body.GameType, out var type))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_game_type", "gameType is teaching, dogfight or standard.");
        }
        var decision = await grains.GetGrain<IRelayDirectoryGrain>(IRelayDirectoryGrain.Key)
            .Route(new RouteRequest(body.PlayerId ?? "", body.Latitude, body.Longitude, type, body.Region));
        return TypedResults.Ok(decision);
    }

    /// <summary>Reads a game type name (<c>teaching</c>, <c>dogfight</c>, <c>standard</c>; empty is standard).</summary>
    public static bool TryGameType(string? name, out GameClass type)
    {
        type = GameClass.Standard;
        return string.IsNullOrEmpty(name) || LedgerNames.TryParse(name, out type);
    }
}
