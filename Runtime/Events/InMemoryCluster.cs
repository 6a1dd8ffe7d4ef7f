using OrleansGoRelay.Runtime.Membership;
using OrleansGoRelay.Runtime.Reminders;
using OrleansGoRelay.Runtime.Storage;

namespace OrleansGoRelay.Runtime.Events;

/// <summary>
/// Everything the silos of an in-memory cluster share, standing in for PostgreSQL: state rows, the silos table,
/// reminders, singleton locks and the notification channel. One instance per test cluster.
/// </summary>
public sealed class InMemoryCluster(TimeProvider? timeProvider = null)
{
    private readonly List<InMemoryClusterTransport> _transports = [];

    public TimeProvider Time { get; } = timeProvider ?? TimeProvider.System;

    internal Dictionary<(GrainId, string), StoredState> StateRows { get; } = [];

    internal Dictionary<string, SiloEntry> Silos { get; } = [];

    internal Dictionary<(GrainId, string), InMemoryReminderRow> Reminders { get; } = [];

    /// <summary>Singleton name → holding silo id. Stands for PostgreSQL advisory locks, which die with their session.</summary>
    internal Dictionary<string, string> SingletonLocks { get; } = [];

    internal void Attach(InMemoryClusterTransport transport)
    {
        lock (_transports)
        {
            _transports.Add(transport);
        }
    }

    internal void Detach(InMemoryClusterTransport transport)
    {
        lock (_transports)
        {
            _transports.Remove(transport);
        }
    }

    internal void PublishStateChange(GrainStateChange change)
    {
        foreach (var transport in Snapshot())
        {
            transport.DeliverStateChange(change);
        }
    }

    internal void PublishEvent(ClusterEvent clusterEvent)
    {
        foreach (var transport in Snapshot())
        {
            transport.DeliverEvent(clusterEvent);
        }
    }

    /// <summary>What a PostgreSQL session's death does: its advisory locks go.</summary>
    internal void ReleaseLocksOf(string siloId)
    {
        lock (SingletonLocks)
        {
            foreach (var name in SingletonLocks.Where(l => l.Value == siloId).Select(l => l.Key).ToList())
            {
                SingletonLocks.Remove(name);
            }
        }
    }

    /// <summary>A dead silo's reminder claims are released at once.</summary>
    internal void ReleaseReminderLeasesOf(string siloId)
    {
        lock (Reminders)
        {
            foreach (var (key, row) in Reminders.Where(r => r.Value.LeaseOwner == siloId).ToList())
            {
                Reminders[key] = row with { LeaseOwner = null };
            }
        }
    }

    private InMemoryClusterTransport[] Snapshot()
    {
        lock (_transports)
        {
            return [.. _transports];
        }
    }
}

/// <summary>One silo's end of the in-memory notification channel.</summary>
public sealed class InMemoryClusterTransport(InMemoryCluster cluster) : IClusterTransport
{
    public event Action<ClusterEvent>? EventReceived;

    public event Action<GrainStateChange>? StateChanged;

    public event Action? MessagesMayHaveBeenLost;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cluster.Attach(this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        cluster.Detach(this);
        MessagesMayHaveBeenLost?.Invoke();
        return Task.CompletedTask;
    }

    public Task PublishAsync(ClusterEvent clusterEvent, CancellationToken cancellationToken)
    {
        // Delivered asynchronously, as a NOTIFY is: the publisher never runs subscribers' code.
        _ = Task.Run(() => cluster.PublishEvent(clusterEvent), CancellationToken.None);
        return Task.CompletedTask;
    }

    internal void DeliverEvent(ClusterEvent clusterEvent) => EventReceived?.Invoke(clusterEvent);

    internal void DeliverStateChange(GrainStateChange change) => StateChanged?.Invoke(change);
}
