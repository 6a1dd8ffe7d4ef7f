using System.Text.Json;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;

namespace OrleansGoRelay.Grains.Events;

/// <summary>The event log in memory, for in-process clusters without PostgreSQL (share one instance between the silos).</summary>
public sealed class InMemoryClusterEventLog(TimeProvider clock) : IClusterEventLog
{
    private readonly Lock _lock = new();
    private readonly List<ClusterEvent> _events = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public Task<ClusterEvent?> AppendAsync<T>(ClusterEventType type, string subject, T data, string? dedupeKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var payload = JsonSerializer.SerializeToElement(data, ApiJson.Options);
        TaskCompletionSource wake;
        ClusterEvent logged;
        lock (_lock)
        {
            if (dedupeKey is not null && !_keys.Add(dedupeKey))
            {
                return Task.FromResult<ClusterEvent?>(null);
            }
            logged = new ClusterEvent(_events.Count + 1, type, clock.GetUtcNow(), subject, payload);
            _events.Add(logged);
            wake = _appended;
            _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.SetResult();
        return Task.FromResult<ClusterEvent?>(logged);
    }

    /// <inheritdoc />
    public Task<long> LatestSequenceAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult((long)_events.Count);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClusterEvent>> ReadAfterAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        lock (_lock)
        {
            var start = (int)Math.Min(after, _events.Count);
            return Task.FromResult<IReadOnlyList<ClusterEvent>>(_events.GetRange(start, Math.Min(limit, _events.Count - start)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClusterEvent>> OpenAsync(ClusterEventType opened, ClusterEventType closed, DateTimeOffset since, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        lock (_lock)
        {
            var closedSubjects = _events.Where(e => e.Type == closed).Select(e => e.Subject).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult<IReadOnlyList<ClusterEvent>>([.. Enumerable.Reverse(_events)
                .Where(e => e.Type == opened && e.At >= since && !closedSubjects.Contains(e.Subject)).Take(limit)]);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ClusterEvent>> LatestOfAsync(IReadOnlyCollection<ClusterEventType> types, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ClusterEvent>>([.. Enumerable.Reverse(_events).Where(e => types.Contains(e.Type)).Take(limit)]);
        }
    }

    /// <inheritdoc />
    public async Task WaitForAsync(long after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task wake;
        lock (_lock)
        {
            if (_events.Count > after)
            {
                return;
            }
            wake = _appended.Task;
        }
        await Task.WhenAny(wake, Task.Delay(timeout, clock, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
