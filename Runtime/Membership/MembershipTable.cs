namespace OrleansGoRelay.Runtime.Membership;

/// <summary>A silo's lifecycle as the silos table records it.</summary>
public enum SiloStatus
{
    /// <summary>Heartbeating and taking calls.</summary>
    Active,
    /// <summary>Stopping gracefully.</summary>
    ShuttingDown,
    /// <summary>Missed heartbeats and was declared dead by another silo; it must not come back under this id.</summary>
    Dead,
    /// <summary>Left the cluster after a graceful shutdown.</summary>
    Left,
}

/// <summary>One row of the silos table.</summary>
public sealed record SiloEntry(string SiloId, string SiloName, string Address, SiloStatus Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt);

/// <summary>The cluster's membership table. Times are the table's own clock (the database's), so silo clocks may drift.</summary>
public interface IMembershipTable
{
    /// <summary>Adds this silo as active.</summary>
    Task RegisterAsync(SiloIdentity silo, CancellationToken cancellationToken);

    /// <summary>Records a heartbeat; false when this silo is no longer active (it was declared dead).</summary>
    Task<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken);

    /// <summary>Declares dead every active silo whose last heartbeat is older than <paramref name="missedFor"/>, fences it (its database sessions end, so its locks go), frees its reminder claims and returns the ids.</summary>
    Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan missedFor, CancellationToken cancellationToken);

    /// <summary>Sets a silo's status (shutting down, left).</summary>
    Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken);

    /// <summary>Every row.</summary>
    Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken);
}
