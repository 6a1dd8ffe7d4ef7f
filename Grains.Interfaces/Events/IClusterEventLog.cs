using OrleansGoRelay.Contracts.Events;

namespace OrleansGoRelay.Grains.Events;

/// <summary>
/// The cluster's activity and audit log: one ordered sequence of events shared by every silo (PostgreSQL table
/// <c>audit.events</c>; in memory for in-process test clusters). Grains append to it after the fact they report is
/// durable; each silo's event feed reads it to push events to WebSocket clients.
/// </summary>
public interface IClusterEventLog
{
    /// <summary>
    /// Appends an event and returns it as logged, or null when an event with the same <paramref name="dedupeKey"/> was
    /// logged before (a retried operation reports its fact once).
    /// </summary>
    Task<ClusterEvent?> AppendAsync<T>(ClusterEventType type, string subject, T data, string? dedupeKey = null, CancellationToken cancellationToken = default);

    /// <summary>The sequence of the last event logged (0 when none).</summary>
    Task<long> LatestSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> events after sequence <paramref name="after"/>, in order.</summary>
    Task<IReadOnlyList<ClusterEvent>> ReadAfterAsync(long after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events of type <paramref name="opened"/> logged at or after <paramref name="since"/> whose subject has no
    /// <paramref name="closed"/> event (games started and not ended), newest first, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<ClusterEvent>> OpenAsync(ClusterEventType opened, ClusterEventType closed, DateTimeOffset since, int limit, CancellationToken cancellationToken = default);

    /// <summary>The last <paramref name="limit"/> events of the given types, newest first.</summary>
    Task<IReadOnlyList<ClusterEvent>> LatestOfAsync(IReadOnlyCollection<ClusterEventType> types, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns when an event after <paramref name="after"/> may have been appended anywhere in the cluster, or when
    /// <paramref name="timeout"/> passes; the caller reads either way (a missed notification costs at most a timeout).
    /// </summary>
    Task WaitForAsync(long after, TimeSpan timeout, CancellationToken cancellationToken);
}
