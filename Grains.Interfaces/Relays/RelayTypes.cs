using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Grains.Relays;

// What relays send (RelayRegistration, RelayHeartbeat, RelayRole) lives in OrleansGoRelay.Contracts.Relays; those types
// cross grain calls through Serialization/ContractSurrogates.cs.

/// <summary>A relay's health as the cluster sees it.</summary>
[GenerateSerializer, Alias("gorelay.RelayHealth")]
public enum RelayHealth
{
    /// <summary>Heartbeats arrive on time.</summary>
    Healthy,
    /// <summary>A heartbeat is late (or its uplink dropped): no new sessions go there.</summary>
    Suspect,
    /// <summary>Declared dead: its sessions were moved elsewhere.</summary>
    Dead,
    /// <summary>Failed too often within the window: not routed to until the quarantine ends.</summary>
    Quarantined,
}

/// <summary>A relay as the cluster knows it.</summary>
/// <param name="Registration">What it registered.</param>
/// <param name="Health">Its health.</param>
/// <param name="Sessions">Sessions at the last heartbeat.</param>
/// <param name="Circuits">Circuits at the last heartbeat.</param>
/// <param name="LatencyMs">Latency at the last heartbeat.</param>
/// <param name="CpuPercent">CPU at the last heartbeat.</param>
/// <param name="Reputation">0..100, starting at 50; raised by its training stamps and by stamps of its that trained promoted models, lowered by failed rounds and quarantines (<c>ReputationRules</c>).</param>
/// <param name="Failures">When it was declared dead, within the quarantine window.</param>
/// <param name="RegisteredAt">First registration.</param>
/// <param name="LastHeartbeatAt">Last heartbeat (null before the first).</param>
/// <param name="HealthChangedAt">When the health last changed.</param>
/// <param name="QuarantinedUntil">When a quarantine ends.</param>
[GenerateSerializer, Immutable, Alias("gorelay.RelayView")]
public sealed record RelayView(
    RelayRegistration Registration, RelayHealth Health, int Sessions, int Circuits, double LatencyMs, double CpuPercent,
    int Reputation, IReadOnlyList<DateTimeOffset> Failures, DateTimeOffset RegisteredAt, DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset HealthChangedAt, DateTimeOffset? QuarantinedUntil)
{
    /// <summary>The relay's id.</summary>
    public string RelayId => Registration.RelayId;

    /// <summary>Free session slots.</summary>
    public int FreeCapacity => Math.Max(0, Registration.Capacity - Sessions);
}

/// <summary>A player asking where to connect.</summary>
/// <param name="PlayerId">The player.</param>
/// <param name="Latitude">Where the player is.</param>
/// <param name="Longitude">Where the player is.</param>
/// <param name="GameType">Teaching games prefer stable, high-bandwidth relays; dogfights the lowest latency.</param>
/// <param name="Region">The player's region when known (for the region latency matrix).</param>
[GenerateSerializer, Immutable, Alias("gorelay.RouteRequest")]
public sealed record RouteRequest(string PlayerId, double Latitude, double Longitude, GameClass GameType, string? Region = null);

/// <summary>Why a relay scored as it did (lower total is better).</summary>
/// <param name="DistanceKm">Great-circle distance.</param>
/// <param name="PropagationMs">Round trip over that distance in fibre (2/3 c).</param>
/// <param name="RegionLatencyMs">The region matrix's figure between the player's region and the relay's (0 when unknown).</param>
/// <param name="RelayLatencyMs">The relay's own measured latency.</param>
/// <param name="LoadPenaltyMs">Penalty for how full it is.</param>
/// <param name="StabilityPenaltyMs">Penalty for recent failures, 25 ms each (teaching games weigh it 3×).</param>
/// <param name="BandwidthPenaltyMs">Penalty for low bandwidth (teaching games weigh it).</param>
/// <param name="StandbyPenaltyMs">Penalty for being a standby relay in normal routing.</param>
/// <param name="Total">The sum the relays are ranked by.</param>
/// <param name="Preference">Which rule applied: <c>nearest</c>, <c>stable-high-bandwidth</c> or <c>lowest-latency</c>.</param>
/// <param name="Reputation">The relay's reputation (0..100) the penalty was computed from.</param>
/// <param name="ReputationPenaltyMs">0.1 ms per reputation point below 100 (0..10 ms), in the total of every game type.</param>
/// <param name="ReputationWeight">How many times the total counts <paramref name="ReputationPenaltyMs"/>: 3 for teaching games, else 1.</param>
[GenerateSerializer, Immutable, Alias("gorelay.RouteScore")]
public sealed record RouteScore(
    double DistanceKm, double PropagationMs, double RegionLatencyMs, double RelayLatencyMs, double LoadPenaltyMs,
    double StabilityPenaltyMs, double BandwidthPenaltyMs, double StandbyPenaltyMs, double Total, string Preference,
    int Reputation, double ReputationPenaltyMs, int ReputationWeight);

/// <summary>Where to connect, and why.</summary>
/// <param name="RelayId">The chosen relay.</param>
/// <param name="Address">Its address.</param>
/// <param name="Score">How it scored.</param>
/// <param name="Candidates">How many relays were eligible.</param>
[GenerateSerializer, Immutable, Alias("gorelay.RouteDecision")]
public sealed record RouteDecision(string RelayId, string Address, RouteScore Score, int Candidates);
