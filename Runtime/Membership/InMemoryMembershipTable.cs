using OrleansGoRelay.Runtime.Events;

namespace OrleansGoRelay.Runtime.Membership;

/// <summary>The silos table in memory, shared by the silos of one <see cref="InMemoryCluster"/>.</summary>
public sealed class InMemoryMembershipTable(InMemoryCluster cluster) : IMembershipTable
{
    public Task RegisterAsync(SiloIdentity silo, CancellationToken cancellationToken)
    {
        var now = cluster.Time.GetUtcNow();
        lock (cluster.Silos)
        {
            cluster.Silos[silo.SiloId] = new SiloEntry(silo.SiloId, silo.SiloName, silo.Address, SiloStatus.Active, now, now);
        }

        return Task.CompletedTask;
    }

    public Task<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        lock (cluster.Silos)
        {
            if (!cluster.Silos.TryGetValue(siloId, out var entry) || entry.Status is not (SiloStatus.Active or SiloStatus.ShuttingDown))
            {
                return Task.FromResult(false);
            }

            cluster.Silos[siloId] = entry with { HeartbeatAt = cluster.Time.GetUtcNow() };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan missedFor, CancellationToken cancellationToken)
    {
        var cutoff = cluster.Time.GetUtcNow() - missedFor;
        List<string> dead;
        lock (cluster.Silos)
        {
            dead = [.. cluster.Silos.Values.Where(s => s.Status is SiloStatus.Active or SiloStatus.ShuttingDown && s.HeartbeatAt < cutoff).Select(s => s.SiloId)];
            foreach (var id in dead)
            {
                cluster.Silos[id] = cluster.Silos[id] with { Status = SiloStatus.Dead };
            }
        }

        foreach (var id in dead)
        {
            cluster.ReleaseLocksOf(id);
            cluster.ReleaseReminderLeasesOf(id);
        }

        return Task.FromResult<IReadOnlyList<string>>(dead);
    }

    public Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        lock (cluster.Silos)
        {
            if (cluster.Silos.TryGetValue(siloId, out var entry))
            {
                cluster.Silos[siloId] = entry with { Status = status };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        lock (cluster.Silos)
        {
            return Task.FromResult<IReadOnlyList<SiloEntry>>([.. cluster.Silos.Values]);
        }
    }
}
