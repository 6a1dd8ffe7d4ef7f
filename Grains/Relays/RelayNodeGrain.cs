using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>
/// One relay: its registration, heartbeats, nonces and the index of the sessions it carries. It keeps no state of its
/// own: the relay store holds it, and the health monitor moves health from there.
/// </summary>
[GrainType("relay-node")]
[Reentrant] // no in-memory state: every call is one or two store statements, which the store makes atomic
public sealed class RelayNodeGrain(IRelayStore store, IClusterEventLog events, TimeProvider clock) : Grain, IRelayNodeGrain
{
    public async Task<RelayView> Register(RelayRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.RelayId != this.GetPrimaryKeyString())
        {
            throw RequestRefusedException.BadRequest("relay_id_mismatch", "The registration names another relay.");
        }
        Validate(registration);
        if (await store.GetAsync(registration.RelayId) is { } existing && existing.Registration.PublicKey != registration.PublicKey)
        {
            throw RequestRefusedException.Conflict("relay_key_mismatch", $"Relay '{registration.RelayId}' is registered with another key.");
        }
        var view = await store.UpsertRegistrationAsync(registration, clock.GetUtcNow());
        // Every relay has a wallet: it pays stamp deposits and receives subsidies and revenue shares.
        await GrainFactory.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key)
            .CreateAccount(SystemAccounts.Wallet(SystemAccounts.Relay(registration.RelayId), AccountKind.Relay));
        await events.AppendAsync(ClusterEventType.NodeJoined, registration.RelayId, NodeChanges.Of(view, "registered"));
        return view;
    }

    public Task<RelayView?> GetRelay() => store.GetAsync(this.GetPrimaryKeyString());

    public async Task<RelayView> Heartbeat(RelayHeartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        if (heartbeat.Sessions < 0 || heartbeat.Circuits < 0 || !IsNonNegative(heartbeat.LatencyMs) || !IsNonNegative(heartbeat.BandwidthMbps) || !IsNonNegative(heartbeat.CpuPercent))
        {
            throw RequestRefusedException.BadRequest("invalid_heartbeat", "Heartbeat figures are finite and not negative.");
        }
        var now = clock.GetUtcNow();
        RelayHealth? before = null;
        var view = await store.HeartbeatAsync(this.GetPrimaryKeyString(), heartbeat, relay =>
            {
                before = relay.Health;
                return relay.Health switch
                {
                    RelayHealth.Quarantined when relay.QuarantinedUntil > now => RelayHealth.Quarantined,
                    _ => RelayHealth.Healthy,
                };
            }, now)
            ?? throw RequestRefusedException.NotFound("unknown_relay", $"Relay '{this.GetPrimaryKeyString()}' is not registered.");
        if (before is RelayHealth.Dead or RelayHealth.Quarantined && view.Health == RelayHealth.Healthy)
        {
            await events.AppendAsync(ClusterEventType.NodeJoined, view.RelayId, NodeChanges.Of(view, "heartbeat_resumed"));
        }
        return view;
    }

    public Task<bool> ClaimNonce(string nonce, DateTimeOffset expiresAt) => store.ClaimNonceAsync(this.GetPrimaryKeyString(), nonce, expiresAt);

    public async Task ReportUplinkLost()
    {
        if (await store.GetAsync(this.GetPrimaryKeyString()) is { Health: RelayHealth.Healthy } relay
            && await store.TransitionAsync(relay, RelayHealth.Suspect, relay.Failures, relay.QuarantinedUntil, clock.GetUtcNow()))
        {
            _ = GrainFactory.GetGrain<IRelayHealthMonitorGrain>(ISingletonGrain.Key).RelaySuspected(relay.RelayId);
        }
    }

    public async Task<RelayAssignment> OpenSession(string gameId, string player)
    {
        var relayId = this.GetPrimaryKeyString();
        // The index first: it must cover every assignment the game may hold, or a failover could miss it.
        await store.IndexSessionAsync(gameId, player, relayId, clock.GetUtcNow());
        return await GrainFactory.GetGrain<IGameGrain>(gameId).AssignRelay(player, relayId);
    }

    public async Task<IReadOnlyList<string>> AdoptGame(string gameId, string deadRelayId)
    {
        var relayId = this.GetPrimaryKeyString();
        var game = GrainFactory.GetGrain<IGameGrain>(gameId);
        if (await game.GetGame() is not { State: GameState.Playing or GameState.Counting } view)
        {
            await store.RemoveSessionsAsync(gameId);
            return [];
        }
        var now = clock.GetUtcNow();
        foreach (var (player, assignment) in new[] { (view.Spec.Black, view.BlackRelay), (view.Spec.White, view.WhiteRelay) })
        {
            if (assignment?.RelayId == deadRelayId)
            {
                await store.IndexSessionAsync(gameId, player, relayId, now);
            }
        }
        var address = (await store.GetAsync(relayId))?.Registration.Address;
        return await game.Failover(deadRelayId, relayId, address);
    }

    public Task ForgetGame(string gameId) => store.RemoveSessionsAsync(gameId);

    private static void Validate(RelayRegistration r)
    {
        if (!RelayIds.IsValid(r.RelayId))
        {
            throw RequestRefusedException.BadRequest("invalid_relay_id", "relayId is 1 to 64 letters, digits, '.', '-' or '_'.");
        }
        using (var key = RelaySignature.ImportPublicKey(r.PublicKey))
        {
            if (key is null)
            {
                throw RequestRefusedException.BadRequest("invalid_public_key", "publicKey must be an ECDSA P-256 public key (base64 SubjectPublicKeyInfo or PEM).");
            }
        }
        if (string.IsNullOrWhiteSpace(r.Region) || r.Region.Length > 64)
        {
            throw RequestRefusedException.BadRequest("invalid_region", "region is 1 to 64 characters.");
        }
        if (!double.IsFinite(r.Latitude) || !double.IsFinite(r.Longitude) || Math.Abs(r.Latitude) > 90 || Math.Abs(r.Longitude) > 180)
        {
            throw RequestRefusedException.BadRequest("invalid_location", "latitude is within ±90 and longitude within ±180.");
        }
        if (r.Capacity is < 1 or > 1_000_000 || !IsNonNegative(r.BandwidthMbps) || r.StakedTokens < 0)
        {
            throw RequestRefusedException.BadRequest("invalid_capacity", "capacity is 1 to 1,000,000 sessions; bandwidth and stake are not negative.");
        }
        if (!Uri.TryCreate(r.Address, UriKind.Absolute, out var address) || address.Scheme is not ("ws" or "wss" or "http" or "https"))
        {
            throw RequestRefusedException.BadRequest("invalid_address", "address is an absolute ws://, wss://, http:// or https:// URL.");
        }
    }

    private static bool IsNonNegative(double value) => double.IsFinite(value) && value >= 0;
}
