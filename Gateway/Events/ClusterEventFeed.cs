using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Grains.Events;

namespace OrleansGoRelay.Gateway.Events;

/// <summary>
/// This silo's view of the cluster event log: one reader follows the log (woken by the log's notifications, at least
/// once a second) and keeps the newest events in a ring, so any number of WebSocket clients cost one query per wake-up
/// instead of one each; a client further behind than the ring reads the log itself.
/// </summary>
public sealed partial class ClusterEventFeed(IClusterEventLog log, ILogger<ClusterEventFeed> logger) : BackgroundService
{
    /// <summary>How many recent events the ring keeps.</summary>
    public const int RingSize = 1024;

    /// <summary>The most a read returns.</summary>
    public const int PageSize = 256;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Queue<ClusterEvent> _ring = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _latest;

    /// <summary>The last sequence this silo has read from the log (after the feed started).</summary>
    public async Task<long> LatestAsync(CancellationToken cancellationToken)
    {
        await _started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return _latest;
        }
    }

    /// <summary>Events after <paramref name="after"/>, in order, at most <see cref="PageSize"/>; empty when there are none yet.</summary>
    public async Task<IReadOnlyList<ClusterEvent>> ReadAfterAsync(long after, CancellationToken cancellationToken)
    {
        await _started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (after >= _latest)
            {
                return [];
            }
            if (_ring.Count > 0 && after >= _ring.Peek().Sequence - 1)
            {
                return [.. _ring.SkipWhile(e => e.Sequence <= after).Take(PageSize)];
            }
        }
        return await log.ReadAfterAsync(after, PageSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns once this silo has read an event after <paramref name="after"/>.</summary>
    public async Task WaitAsync(long after, CancellationToken cancellationToken)
    {
        Task advanced;
        lock (_lock)
        {
            if (_latest > after)
            {
                return;
            }
            advanced = _advanced.Task;
        }
        await advanced.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long latest;
        while (true)
        {
            try
            {
                latest = await log.LatestSequenceAsync(stoppingToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReadFailed(logger, e);
                await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        lock (_lock)
        {
            _latest = latest;
        }
        _started.SetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await log.WaitForAsync(latest, PollInterval, stoppingToken).ConfigureAwait(false);
                var page = await log.ReadAfterAsync(latest, PageSize, stoppingToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    continue;
                }
                TaskCompletionSource advanced;
                lock (_lock)
                {
                    foreach (var e in page)
                    {
                        _ring.Enqueue(e);
                    }
                    while (_ring.Count > RingSize)
                    {
                        _ring.Dequeue();
                    }
                    _latest = latest = page[^1].Sequence;
                    advanced = _advanced;
                    _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                advanced.SetResult();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogReadFailed(logger, e);
                await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the cluster event log failed; retrying")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
