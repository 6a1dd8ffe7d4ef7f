using Microsoft.Extensions.Options;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// Lists relays and routes players: a front door on every silo (a stateless worker) whose only memory is a count of
/// sessions it routed to each relay since that relay's last heartbeat, so a burst of players spreads out before the
/// next heartbeat reports the load.
/// </summary>
[GrainType("relay-directory")]
[StatelessWorker]
public sealed class RelayDirectoryGrain(IRelayStore store, IOptions<RelayOptions> options, TimeProvider clock) : Grain, IRelayDirectoryGrain
{
    private readonly Dictionary<string, (DateTimeOffset? Heartbeat, int Routed)> _routedSinceHeartbeat = [];

    public Task<IReadOnlyList<RelayView>> List() => store.ListAsync();

    public Task<IReadOnlyDictionary<string, int>> GamesPerRelay() => store.GamesPerRelayAsync();

    public async Task<RouteDecision> Route(RouteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.PlayerId) || !double.IsFinite(request.Latitude) || !double.IsFinite(request.Longitude)
            || Math.Abs(request.Latitude) > 90 || Math.Abs(request.Longitude) > 180)
        {
            throw RequestRefusedException.BadRequest("invalid_route_request", "A route request names a player, a latitude within ±90 and a longitude within ±180.");
        }
        var relays = await store.ListAsync();
        lock (_routedSinceHeartbeat)
        {
            var withRouted = relays.Select(r => _routedSinceHeartbeat.TryGetValue(r.RelayId, out var routed) && routed.Heartbeat == r.LastHeartbeatAt
                ? r with { Sessions = r.Sessions + routed.Routed }
                : r);
            var choice = RelayRouter.Choose(withRouted, request, options.Value, clock.GetUtcNow())
                ?? throw new RequestRefusedException(503, "no_relay_available", "No healthy relay has free capacity.");
            var chosen = relays.First(r => r.RelayId == choice.Relay.RelayId);
            _routedSinceHeartbeat[chosen.RelayId] = _routedSinceHeartbeat.TryGetValue(chosen.RelayId, out var before) && before.Heartbeat == chosen.LastHeartbeatAt
                ? (chosen.LastHeartbeatAt, before.Routed + 1)
                : (chosen.LastHeartbeatAt, 1);
            return new RouteDecision(chosen.RelayId, chosen.Registration.Address, choice.Score, choice.Candidates);
        }
    }
}
