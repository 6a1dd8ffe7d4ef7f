using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Gateway.Cluster;
using OrleansGoRelay.Ledger.Flows;

namespace OrleansGoRelay.Gateway.Dashboard;

/// <summary>Everything the operator dashboard draws, in one read (<c>GET /dashboard/api/overview</c>).</summary>
/// <param name="At">When the gateway read it.</param>
/// <param name="LatestEvent">The event log's last sequence: the page's WebSocket resumes after it.</param>
/// <param name="Games">Active games by class and by relay.</param>
/// <param name="TokenFlow">Rewards, subsidies, inference revenue and its split, burns, per bucket.</param>
/// <param name="Models">The registry, newest first.</param>
/// <param name="Network">Relays, silos and failovers.</param>
/// <param name="RecentEvents">The last events of the log, newest first.</param>
/// <param name="ModelsUnavailable">Why the registry panel is empty when the registry refused (federated learning not configured), else null.</param>
public sealed record DashboardOverview(
    DateTimeOffset At, long LatestEvent, GamesPanel Games, TokenFlowReport TokenFlow, IReadOnlyList<ModelRow> Models, NetworkPanel Network,
    IReadOnlyList<ClusterEvent> RecentEvents, string? ModelsUnavailable = null);

/// <summary>Games started and not ended (within the window the page asks about).</summary>
/// <param name="Active">How many.</param>
/// <param name="ByClass">Per class (teaching, dogfight, standard); every class present, zero or not.</param>
/// <param name="ByRelay">Live games with a player session per relay.</param>
/// <param name="Recent">The newest of them.</param>
public sealed record GamesPanel(int Active, IReadOnlyDictionary<string, int> ByClass, IReadOnlyDictionary<string, int> ByRelay, IReadOnlyList<ActiveGame> Recent);

/// <summary>One active game.</summary>
public sealed record ActiveGame(string GameId, string GameClass, string Black, string White, int Size, DateTimeOffset StartedAt);

/// <summary>One registry version as the dashboard lists it.</summary>
/// <param name="ModelHash">The version's hash.</param>
/// <param name="Version">Its number.</param>
/// <param name="Round">The round that made it (null for genesis).</param>
/// <param name="Top1">Held-out top-1 accuracy, %.</param>
/// <param name="Top5">Held-out top-5, %.</param>
/// <param name="WinRate">Its win rate against its parent, when measured.</param>
/// <param name="EpsilonSpent">Differential-privacy ε spent so far by its run.</param>
/// <param name="Promoted">Whether it serves now.</param>
/// <param name="CreatedAt">When it was registered.</param>
public sealed record ModelRow(string ModelHash, int Version, string? Round, double Top1, double? Top5, double? WinRate, double? EpsilonSpent, bool Promoted, DateTimeOffset CreatedAt);

/// <summary>The federation's health.</summary>
/// <param name="Relays">Every relay, placed by its coordinates.</param>
/// <param name="Silos">The cluster's members (operators only; empty in the public view).</param>
/// <param name="Failovers">The last failovers, newest first.</param>
public sealed record NetworkPanel(IReadOnlyList<RelayMarker> Relays, IReadOnlyList<ClusterApi.SiloView> Silos, IReadOnlyList<FailoverRow> Failovers);

/// <summary>A relay on the map.</summary>
/// <param name="RelayId">The relay.</param>
/// <param name="Region">Its region.</param>
/// <param name="Latitude">Where it is.</param>
/// <param name="Longitude">Where it is.</param>
/// <param name="Health">healthy, suspect, dead or quarantined.</param>
/// <param name="Sessions">Player sessions at its last heartbeat.</param>
/// <param name="Capacity">Sessions it takes.</param>
/// <param name="LoadPercent">Sessions against capacity, %.</param>
/// <param name="LatencyMs">Latency at its last heartbeat.</param>
/// <param name="Reputation">0..100.</param>
public sealed record RelayMarker(string RelayId, string Region, double Latitude, double Longitude, string Health, int Sessions, int Capacity, double LoadPercent, double LatencyMs, int Reputation);

/// <summary>One failover: a dead relay's sessions moved.</summary>
public sealed record FailoverRow(DateTimeOffset At, string DeadRelayId, int Games, int SessionsMoved, IReadOnlyDictionary<string, int> Targets, double DurationMs);
