using OrleansGoRelay.Runtime.Events;

namespace OrleansGoRelay.Runtime.Storage;

/// <summary>Grain state in process memory with the same compare-and-swap semantics as PostgreSQL. For tests and benchmarks.</summary>
public sealed class InMemoryGrainStorage(InMemoryCluster cluster, SiloIdentity silo) : IGrainStorage
{
    public Task<StoredState?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        lock (cluster.StateRows)
        {
            return Task.FromResult(cluster.StateRows.GetValueOrDefault((grainId, stateName)));
        }
    }

    public Task<long> WriteAsync(StateWrite write, CancellationToken cancellationToken)
    {
        long version;
        lock (cluster.StateRows)
        {
            var key = (write.GrainId, write.StateName);
            var current = cluster.StateRows.GetValueOrDefault(key)?.Version ?? 0;
            if (current != write.ExpectedVersion)
            {
                throw new InconsistentStateException(write.GrainId, write.StateName, write.ExpectedVersion);
            }

            version = current + 1;
            cluster.StateRows[key] = new StoredState(write.StateType, write.Json, version);
        }

        cluster.PublishStateChange(new GrainStateChange(write.GrainId, write.StateName, version, silo.SiloId));
        return Task.FromResult(version);
    }
}
