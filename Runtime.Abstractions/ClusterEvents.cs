namespace OrleansGoRelay.Runtime;

/// <summary>An event published to every silo of the cluster.</summary>
/// <param name="Topic">What the event is about (e.g. <c>game/42</c>).</param>
/// <param name="Payload">Its content, usually JSON; at most <see cref="IClusterEvents.MaxPayloadBytes"/> bytes.</param>
/// <param name="OriginSiloId">The silo that published it.</param>
public sealed record ClusterEvent(string Topic, string Payload, string OriginSiloId);

/// <summary>Cross-silo events (over PostgreSQL LISTEN/NOTIFY, or in memory in tests). Delivery is at most once and best effort: use grain state for truth, events to wake up.</summary>
public interface IClusterEvents
{
    /// <summary>The largest payload accepted (PostgreSQL NOTIFY allows under 8000 bytes including the envelope).</summary>
    const int MaxPayloadBytes = 7000;

    /// <summary>Publishes to every silo, this one included.</summary>
    Task PublishAsync(string topic, string payload, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to events whose topic equals <paramref name="topic"/>, or to all events when it ends with '*' and is a prefix match.</summary>
    IDisposable Subscribe(string topic, Func<ClusterEvent, Task> handler);
}

/// <summary>A job that must run on exactly one live silo of the cluster. It runs until cancelled (holder lost the lock, or the silo stops).</summary>
public interface IClusterSingleton
{
    /// <summary>The singleton's cluster-wide name.</summary>
    string Name { get; }

    /// <summary>Runs the job; the token is cancelled when this silo must stop running it.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
