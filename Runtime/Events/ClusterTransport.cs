using OrleansGoRelay.Runtime.Storage;

namespace OrleansGoRelay.Runtime.Events;

/// <summary>What carries messages between silos: cluster events, and committed state changes from storage.</summary>
public interface IClusterTransport
{
    /// <summary>An application event arrived (from any silo, this one included).</summary>
    event Action<ClusterEvent>? EventReceived;

    /// <summary>A state write committed on some silo.</summary>
    event Action<GrainStateChange>? StateChanged;

    /// <summary>The transport may have missed messages (e.g. its connection dropped); caches must be dropped.</summary>
    event Action? MessagesMayHaveBeenLost;

    /// <summary>Starts receiving.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops receiving.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Sends an event to every silo.</summary>
    Task PublishAsync(ClusterEvent clusterEvent, CancellationToken cancellationToken);
}
