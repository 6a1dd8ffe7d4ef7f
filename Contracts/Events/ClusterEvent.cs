using System.Text.Json;

namespace OrleansGoRelay.Contracts.Events;

/// <summary>What a cluster event reports (snake_case on the wire: <c>node_joined</c>, <c>round_started</c>, ...).</summary>
public enum ClusterEventType
{
    /// <summary>A relay registered, or came back healthy after it was declared dead or its quarantine ended.</summary>
    NodeJoined,

    /// <summary>A relay was declared dead or quarantined.</summary>
    NodeLeft,

    /// <summary>A federated round opened (its <c>RoundStart</c>).</summary>
    RoundStarted,

    /// <summary>A round accepted a participant's update (or its masked input).</summary>
    GradientReceived,

    /// <summary>A round produced a model version (promoted or not).</summary>
    ModelUpdated,

    /// <summary>A settlement batch was posted to the ledger.</summary>
    RewardsDistributed,

    /// <summary>A relay stamped a consensus game.</summary>
    GameStamped,

    /// <summary>A game was created (the dashboard's active games: started and not yet ended).</summary>
    GameStarted,

    /// <summary>A game ended with the players' claims: agreed or disputed.</summary>
    GameEnded,

    /// <summary>The failover coordinator moved a dead relay's live sessions to others.</summary>
    RelayFailover,
}

/// <summary>
/// One entry of the cluster's activity and audit log (PostgreSQL table <c>audit.events</c>), as
/// <c>GET /api/v1/events</c> pushes it. <paramref name="Sequence"/> orders events across the whole cluster: the log
/// assigns it in commit order, so a client that saw sequence n has seen every event before it, and can resume after it.
/// </summary>
/// <param name="Sequence">Position in the log, from 1, without gaps.</param>
/// <param name="Type">What happened.</param>
/// <param name="At">When the log recorded it.</param>
/// <param name="Subject">What it concerns: a relay id, a round id, a game id.</param>
/// <param name="Data">The event's details, as the matching record of this namespace writes them.</param>
public sealed record ClusterEvent(long Sequence, ClusterEventType Type, DateTimeOffset At, string Subject, JsonElement Data);

/// <summary>Details of <see cref="ClusterEventType.NodeJoined"/> and <see cref="ClusterEventType.NodeLeft"/>.</summary>
/// <param name="RelayId">The relay.</param>
/// <param name="Health">Its health after the change.</param>
/// <param name="Reason">Why: <c>registered</c>, <c>heartbeat_resumed</c>, <c>silent</c>, <c>probe_failed</c>, <c>quarantined</c>.</param>
/// <param name="Region">Where it runs.</param>
public sealed record NodeChange(string RelayId, string Health, string Reason, string? Region = null);

/// <summary>Details of <see cref="ClusterEventType.GameStamped"/>.</summary>
/// <param name="GameId">The consensus game.</param>
/// <param name="RelayId">The relay that stamped it.</param>
/// <param name="GameClass">Its class (teaching, dogfight, standard).</param>
/// <param name="Deposit">The deposit escrowed, in micro-tokens.</param>
public sealed record GameStamp(string GameId, string RelayId, string GameClass, long Deposit);

/// <summary>Details of <see cref="ClusterEventType.RoundStarted"/>.</summary>
/// <param name="RoundId">The round.</param>
/// <param name="ModelVersion">The model it trains from.</param>
/// <param name="Participants">The sampled relays.</param>
/// <param name="SecureAggregation">Whether updates are masked.</param>
/// <param name="Privacy">Whether DP-FedAvg noises the aggregate.</param>
/// <param name="Deadline">When its first stage closes.</param>
public sealed record RoundStarted(string RoundId, string ModelVersion, IReadOnlyList<string> Participants, bool SecureAggregation, bool Privacy, DateTimeOffset Deadline);

/// <summary>Details of <see cref="ClusterEventType.GradientReceived"/>.</summary>
/// <param name="RoundId">The round.</param>
/// <param name="RelayId">The relay whose update (plain or masked) was accepted.</param>
/// <param name="Stage">training or masking.</param>
/// <param name="Bytes">The update's size on the wire.</param>
/// <param name="Received">Updates of the round so far.</param>
/// <param name="Expected">Updates the stage waits for.</param>
public sealed record GradientReceived(string RoundId, string RelayId, string Stage, long Bytes, int Received, int Expected);

/// <summary>Details of <see cref="ClusterEventType.ModelUpdated"/>.</summary>
/// <param name="RoundId">The round that produced it (null for the genesis version).</param>
/// <param name="ModelHash">The version.</param>
/// <param name="Version">Its number.</param>
/// <param name="Parent">The version it was trained from.</param>
/// <param name="Promoted">Whether it now serves.</param>
/// <param name="Top1">Its held-out top-1, %.</param>
/// <param name="ParticipantCount">Relays whose updates are in it.</param>
public sealed record ModelUpdated(string? RoundId, string ModelHash, int Version, string? Parent, bool Promoted, double Top1, int ParticipantCount);

/// <summary>Details of <see cref="ClusterEventType.RewardsDistributed"/>.</summary>
/// <param name="Occasion">What was paid for: <c>fl-round:{roundId}</c>, <c>game-reward:{gameId}</c>, <c>game-impact:{gameId}</c>.</param>
/// <param name="Kind">round, game or game_impact.</param>
/// <param name="Total">Base units paid.</param>
/// <param name="Recipients">Accounts paid, with their amounts.</param>
public sealed record RewardsDistributed(string Occasion, string Kind, long Total, IReadOnlyDictionary<string, long> Recipients);

/// <summary>Details of <see cref="ClusterEventType.GameStarted"/>.</summary>
/// <param name="GameId">The game.</param>
/// <param name="GameClass">The class it was created as (teaching, dogfight, standard).</param>
/// <param name="Black">Black's player id.</param>
/// <param name="White">White's player id.</param>
/// <param name="Size">The board size.</param>
/// <param name="Rated">Whether it counts for ratings.</param>
public sealed record GameStarted(string GameId, string GameClass, string Black, string White, int Size, bool Rated);

/// <summary>Details of <see cref="ClusterEventType.GameEnded"/>.</summary>
/// <param name="GameId">The game.</param>
/// <param name="GameClass">The class it was created as.</param>
/// <param name="State"><c>agreed</c> or <c>disputed</c>.</param>
/// <param name="Result">The agreed result (<c>B+3.5</c>), null when disputed.</param>
/// <param name="Moves">Moves played.</param>
public sealed record GameEnded(string GameId, string GameClass, string State, string? Result, int Moves);

/// <summary>Details of <see cref="ClusterEventType.RelayFailover"/>.</summary>
/// <param name="DeadRelayId">The relay declared dead or quarantined.</param>
/// <param name="Games">Games that had sessions on it.</param>
/// <param name="SessionsMoved">Player sessions moved to other relays.</param>
/// <param name="Targets">The relays that took games over, with how many each.</param>
/// <param name="DurationMs">How long the move took.</param>
public sealed record RelayFailover(string DeadRelayId, int Games, int SessionsMoved, IReadOnlyDictionary<string, int> Targets, double DurationMs);
