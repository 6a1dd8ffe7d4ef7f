using System.Text;
using Microsoft.Extensions.Logging;

namespace OrleansGoRelay.Runtime.Events;

/// <summary>Routes cluster events from the transport to this silo's subscribers; see <see cref="IClusterEvents"/>.</summary>
public sealed partial class ClusterEventBus : IClusterEvents
{
    private readonly IClusterTransport _transport;
    private readonly SiloIdentity _silo;
    private readonly ILogger<ClusterEventBus> _logger;
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];

    public ClusterEventBus(IClusterTransport transport, SiloIdentity silo, ILogger<ClusterEventBus> logger)
    {
        _transport = transport;
        _silo = silo;
        _logger = logger;
        _transport.EventReceived += Dispatch;
    }

    public Task PublishAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(payload);
        var size = Encoding.UTF8.GetByteCount(payload) + Encoding.UTF8.GetByteCount(topic);
        if (size > IClusterEvents.MaxPayloadBytes)
        {
            throw new ArgumentException($"A cluster event carries at most {IClusterEvents.MaxPayloadBytes} bytes; this one has {size}. Store the data and send its id.", nameof(payload));
        }

        return _transport.PublishAsync(new ClusterEvent(topic, payload, _silo.SiloId), cancellationToken);
    }

    public IDisposable Subscribe(string topic, Func<ClusterEvent, Task> handler)
    {
        var subscription = new Subscription(this, topic, handler);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }

    private void Dispatch(ClusterEvent clusterEvent)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (subscription.Matches(clusterEvent.Topic))
            {
                _ = InvokeAsync(subscription, clusterEvent);
            }
        }
    }

    private async Task InvokeAsync(Subscription subscription, ClusterEvent clusterEvent)
    {
        try
        {
            await subscription.Handler(clusterEvent).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, clusterEvent.Topic);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A handler of cluster event {Topic} failed")]
    private partial void LogHandlerFailed(Exception ex, string topic);

    private sealed class Subscription(ClusterEventBus bus, string topic, Func<ClusterEvent, Task> handler) : IDisposable
    {
        public Func<ClusterEvent, Task> Handler => handler;

        public bool Matches(string eventTopic) => topic.EndsWith('*')
            ? eventTopic.StartsWith(topic.AsSpan(0, topic.Length - 1), StringComparison.Ordinal)
            : eventTopic == topic;

        public void Dispose() => bus.Unsubscribe(this);
    }
}
