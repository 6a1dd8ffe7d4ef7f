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
