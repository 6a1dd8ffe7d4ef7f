using System.Diagnostics;

namespace OrleansGoRelay.Grains.Games;

/// <summary>
/// This silo's cached copy of the registered game event sinks, shared by every game activation here so a move costs
/// no registry call. Refreshed at most every <see cref="RefreshInterval"/>, and an empty list is never trusted for
/// long (it is what a registry that just reactivated may briefly answer).
/// </summary>
public sealed class GameEventSinks
{
    /// <summary>How long a fetched list is used before it is fetched again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan EmptyRefreshInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private IReadOnlyList<IGameEventSink> _sinks = [];
    private long _fetchedAt = long.MinValue;
    private Task<IReadOnlyList<IGameEventSink>>? _fetching;

    /// <summary>The sinks, fetching them from the registry when the cached list is stale.</summary>
    public Task<IReadOnlyList<IGameEventSink>> CurrentAsync(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        lock (_lock)
        {
            var age = _fetchedAt == long.MinValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_fetchedAt);
            if (age < (_sinks.Count == 0 ? EmptyRefreshInterval : RefreshInterval))
            {
                return Task.FromResult(_sinks);
            }
            return _fetching ??= FetchAsync(grains);
        }
    }

    private async Task<IReadOnlyList<IGameEventSink>> FetchAsync(IGrainFactory grains)
    {
        try
        {
            var sinks = await grains.GetGrain<IGameEventSinkRegistryGrain>(IGameEventSinkRegistryGrain.Key).Sinks();
            lock (_lock)
            {
                _sinks = sinks;
                _fetchedAt = Stopwatch.GetTimestamp();
            }
            return sinks;
        }
        catch (Exception) when (_sinks.Count > 0)
        {
            // The registry is moving (its silo died): keep delivering to the sinks known so far.
            return _sinks;
        }
        finally
        {
            lock (_lock)
            {
                _fetching = null;
            }
        }
    }
}
