using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Tests.Infrastructure;
using OrleansGoRelay.Tests.Ledger;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// The failover coordinator (the <see cref="RelayHealthMonitorGrain"/> singleton, running in an in-memory silo): health
/// ages with the clock, a probe decides a suspect relay's fate, a dead relay's sessions move (standby first, then
/// by the routing rules), and a third death within the window quarantines the relay.
/// </summary>
public sealed class RelayHealthMonitorTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private readonly HttpListener _alive = new();
    private readonly int _alivePort = TestPorts.Free();
    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async Task InitializeAsync()
    {
        // A relay that answers its /health probe.
        _alive.Prefixes.Add($"http://127.0.0.1:{_alivePort}/");
        _alive.Start();
        _ = Task.Run(async () =>
        {
            while (_alive.IsListening)
            {
                try
                {
                    var context = await _alive.GetContextAsync();
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });
        _cluster = await Clusters.StartAsync(silos: 1, services: services => services.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _alive.Close();
    }

    private string AliveAddress => $"ws://127.0.0.1:{_alivePort}";

    private static string DeadAddress => $"ws://127.0.0.1:{TestPorts.Free()}";

    private async Task RegisterAsync(string id, string address, double latitude, double longitude, RelayRole role = RelayRole.Primary)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await Grains.GetGrain<IRelayNodeGrain>(id).Register(
            new RelayRegistration(id, RelaySignature.ExportPublicKey(key), "eu-west", latitude, longitude, 100, 100, false, address, 0, role));
    }

    private Task<RelayView?> RelayAsync(string id) => Grains.GetGrain<IRelayNodeGrain>(id).GetRelay();

    private Task<RelayView?> WaitForHealthAsync(string id, RelayHealth health) =>
        Eventually.WaitForAsync(() => RelayAsync(id), r => r?.Health == health, TimeSpan.FromSeconds(10));

    private async Task<IGameGrain> GameOnAsync(string gameId, string relayId)
    {
        var game = Grains.GetGrain<IGameGrain>(gameId);
        await game.Create(new GameSpec(gameId + "-b", gameId + "-w", 9, null, 0, "chinese", true));
        await Grains.GetGrain<IRelayNodeGrain>(relayId).OpenSession(gameId, gameId + "-b");
        await Grains.GetGrain<IRelayNodeGrain>(relayId).OpenSession(gameId, gameId + "-w");
        return game;
    }

    [Fact]
    public async Task ASilentRelayIsSuspectAfterThreeSecondsAndDeadAfterFiveEvenWhenItsProbeAnswers()
    {
        // The relays' time moves only when the test moves it (sweeps still run on real timers), so how fast a
        // loaded machine gets through the test cannot carry the relay past a threshold.
        _clock.Freeze();
        await RegisterAsync("quiet", AliveAddress, 52.37, 4.90);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(600); // three sweeps
        Assert.Equal(RelayHealth.Healthy, (await RelayAsync("quiet"))!.Health);

        _clock.Advance(TimeSpan.FromSeconds(1.5));
        await WaitForHealthAsync("quiet", RelayHealth.Suspect);
        await Task.Delay(600); // its probe answers: suspect, not dead, until the heartbeat timeout
        Assert.Equal(RelayHealth.Suspect, (await RelayAsync("quiet"))!.Health);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var dead = await WaitForHealthAsync("quiet", RelayHealth.Dead);
        Assert.Single(dead!.Failures);

        // A heartbeat brings a dead (not quarantined) relay back.
        var back = await Grains.GetGrain<IRelayNodeGrain>("quiet").Heartbeat(new RelayHeartbeat(0, 1, 0, 0, 1));
        Assert.Equal(RelayHealth.Healthy, back.Health);
    }

    [Fact]
    public async Task ASuspectRelayWhoseProbeIsRefusedIsDeadAtOnceAndItsSessionsMoveToAStandbyRelayFirst()
    {
        await RegisterAsync("home", DeadAddress, 52.37, 4.90);
        await RegisterAsync("near", AliveAddress, 48.86, 2.35);
        await RegisterAsync("spare", AliveAddress, 40.71, -74.0, RelayRole.Standby);
        var game = await GameOnAsync("g-standby", "home");

        // What the gateway does when the relay's uplink drops: suspect now, probed at once.
        await Grains.GetGrain<IRelayNodeGrain>("home").ReportUplinkLost();
        var dead = await WaitForHealthAsync("home", RelayHealth.Dead);
        Assert.True(dead!.HealthChangedAt - dead.RegisteredAt < TimeSpan.FromSeconds(5), "declared dead by the probe, not the heartbeat timeout");

        var view = await Eventually.WaitForAsync(() => game.GetGame(), g => g!.BlackRelay!.Reason == "failover" && g.WhiteRelay!.Reason == "failover", TimeSpan.FromSeconds(10));
        // The standby relay in New York, although Paris is nearer: standby relays exist to take failovers.
        Assert.Equal(("spare", "spare"), (view!.BlackRelay!.RelayId, view.WhiteRelay!.RelayId));
        Assert.Equal(2, view.BlackRelay.Epoch);
    }

    [Fact]
    public async Task WithoutAStandbyRelayTheSessionsOfADeadRelayFollowTheRoutingRules()
    {
        await RegisterAsync("home", DeadAddress, 52.37, 4.90);
        await RegisterAsync("far", AliveAddress, 40.71, -74.0);
        await RegisterAsync("near", AliveAddress, 48.86, 2.35);
        var game = await GameOnAsync("g-route", "home");
        var finished = await GameOnAsync("g-finished", "home");
        await finished.Play(new MoveSubmission("g-finished-b", 1, "pass"));
        await finished.Play(new MoveSubmission("g-finished-w", 2, "pass"));
        await finished.SubmitResult(new ResultClaim("g-finished-b", "W+7.5"));
        await finished.SubmitResult(new ResultClaim("g-finished-w", "W+7.5"));

        await Grains.GetGrain<IRelayNodeGrain>("home").ReportUplinkLost();
        var view = await Eventually.WaitForAsync(() => game.GetGame(), g => g!.BlackRelay!.Reason == "failover", TimeSpan.FromSeconds(10));
        Assert.Equal("near", view!.BlackRelay!.RelayId);
        Assert.Equal("near", view.WhiteRelay!.RelayId);
        // A finished game has no live session to move.
        Assert.Equal("home", (await finished.GetGame())!.BlackRelay!.RelayId);
    }

    [Fact]
    public async Task ARelayThatFailedThreeFederatedRoundsInARowIsQuarantinedTheWayThreeDeathsDo()
    {
        await RegisterAsync("trainer", AliveAddress, 52.37, 4.90);
        await RegisterAsync("near", AliveAddress, 48.86, 2.35);
        var game = await GameOnAsync("g-fl", "trainer");

        // The rounds' standing counts each round once (a settlement finished again after a crash counts nothing twice)
        // and an included round starts the count again.
        var standing = new OrleansGoRelay.Grains.Federated.InMemoryFederatedStore(new InMemoryRelayStore());
        var now = _clock.GetUtcNow();
        Assert.Equal(1, await standing.RecordStandingAsync("trainer", "round-1", included: false, now));
        Assert.Equal(0, await standing.RecordStandingAsync("trainer", "round-2", included: true, now));
        var failures = 0;
        foreach (var round in new[] { "round-3", "round-4", "round-4", "round-5" })
        {
            failures = await standing.RecordStandingAsync("trainer", round, included: false, now);
        }
        Assert.Equal(3, failures);

        var monitor = Grains.GetGrain<IRelayHealthMonitorGrain>(OrleansGoRelay.Grains.ISingletonGrain.Key);
        Assert.True(await monitor.Quarantine("trainer", "failed 3 federated rounds in a row (last round-5)"));
        var quarantined = await RelayAsync("trainer");
        Assert.Equal(RelayHealth.Quarantined, quarantined!.Health);
        Assert.True(quarantined.QuarantinedUntil > now);
        Assert.False(await monitor.Quarantine("trainer", "again"));
        // Its live sessions moved, as for a dead relay.
        var view = await Eventually.WaitForAsync(() => game.GetGame(), g => g!.BlackRelay!.Reason == "failover", TimeSpan.FromSeconds(10));
        Assert.Equal("near", view!.BlackRelay!.RelayId);
    }

    [Fact]
    public async Task AThirdDeathWithinTenMinutesQuarantinesTheRelayForTenMinutes()
    {
        await RegisterAsync("flaky", DeadAddress, 52.37, 4.90);
        await RegisterAsync("steady", AliveAddress, 48.86, 2.35);
        var node = Grains.GetGrain<IRelayNodeGrain>("flaky");
        for (var death = 1; death <= 3; death++)
        {
            await node.Heartbeat(new RelayHeartbeat(0, 1, 0, 0, 1));
            await node.ReportUplinkLost();
            var after = await Eventually.WaitForAsync(() => RelayAsync("flaky"), r => r!.Failures.Count == death, TimeSpan.FromSeconds(10));
            Assert.Equal(death < 3 ? RelayHealth.Dead : RelayHealth.Quarantined, after!.Health);
            _clock.Advance(TimeSpan.FromMinutes(2));
        }

        // Quarantined: heartbeats do not bring it back and routing passes it by, until the quarantine ends.
        Assert.Equal(RelayHealth.Quarantined, (await node.Heartbeat(new RelayHeartbeat(0, 1, 0, 0, 1))).Health);
        await Grains.GetGrain<IRelayNodeGrain>("steady").Heartbeat(new RelayHeartbeat(0, 1, 0, 0, 1));
        var route = await Grains.GetGrain<IRelayDirectoryGrain>(IRelayDirectoryGrain.Key).Route(new RouteRequest("p", 52.37, 4.90, OrleansGoRelay.Go.Analysis.GameClass.Standard));
        Assert.Equal("steady", route.RelayId);
        _clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(RelayHealth.Healthy, (await node.Heartbeat(new RelayHeartbeat(0, 1, 0, 0, 1))).Health);
    }
}
