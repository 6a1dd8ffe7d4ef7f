using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Grains.Stamps;

/// <summary>A model as stored, without its subsidy.</summary>
public sealed record StoredModel(string ModelHash, int Generation, string SubmittedBy, ModelPerformance Performance, string RequestHash, IReadOnlyList<string> StampIds, DateTimeOffset CreatedAt);

/// <summary>Where stamps and models are kept (PostgreSQL schema <c>market</c>, or memory).</summary>
public interface IStampStore
{
    /// <summary>The stamps among these ids that exist.</summary>
    Task<IReadOnlyList<TrainingStamp>> GetAsync(IReadOnlyCollection<string> stampIds);

    /// <summary>Inserts a stamp with its access list and adds a reputation point to its owner, atomically; false when the game has a stamp.</summary>
    Task<bool> InsertAsync(TrainingStamp stamp);

    /// <summary>Stamps a relay may use, newest first.</summary>
    Task<IReadOnlyList<TrainingStamp>> AccessibleAsync(string relayId, int offset, int limit);

    /// <summary>A relay's own active stamps created at or before <paramref name="createdBy"/>, oldest first.</summary>
    Task<IReadOnlyList<TrainingStamp>> BurnableAsync(string relayId, DateTimeOffset createdBy, int offset, int limit);

    /// <summary>Marks an active stamp burned; false when it was not active.</summary>
    Task<bool> MarkBurnedAsync(string stampId, long depositReturned, DateTimeOffset now);

    /// <summary>Records a model and counts a use of each of its stamps, atomically; returns the model as stored (an earlier one under the same hash wins) and whether this call created it.</summary>
    Task<(StoredModel Model, bool Created)> InsertModelAsync(StoredModel model);

    /// <summary>A model, or null.</summary>
    Task<StoredModel?> GetModelAsync(string modelHash);
}

/// <summary>Stamps and models in memory, with the rules of <see cref="PostgresStampStore"/>.</summary>
public sealed class InMemoryStampStore(IRelayStore relays) : IStampStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TrainingStamp> _stamps = [];
    private readonly Dictionary<string, StoredModel> _models = [];

    public Task<IReadOnlyList<TrainingStamp>> GetAsync(IReadOnlyCollection<string> stampIds)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TrainingStamp>>([.. stampIds.Distinct().Where(_stamps.ContainsKey).Select(id => _stamps[id])]);
        }
    }

    public async Task<bool> InsertAsync(TrainingStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        lock (_lock)
        {
            if (!_stamps.TryAdd(stamp.StampId, stamp))
            {
                return false;
            }
        }
        await relays.ApplyReputationAsync([ReputationRules.ForStamp(stamp.StampId, stamp.OwnerRelay)], stamp.CreatedAt).ConfigureAwait(false);
        return true;
    }

    public Task<IReadOnlyList<TrainingStamp>> AccessibleAsync(string relayId, int offset, int limit)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TrainingStamp>>([.. _stamps.Values.Where(s => s.AccessRelays.Contains(relayId))
                .OrderByDescending(s => s.CreatedAt).ThenBy(s => s.StampId, StringComparer.Ordinal).Skip(offset).Take(limit)]);
        }
    }

    public Task<IReadOnlyList<TrainingStamp>> BurnableAsync(string relayId, DateTimeOffset createdBy, int offset, int limit)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TrainingStamp>>([.. _stamps.Values
                .Where(s => s.OwnerRelay == relayId && s.Status == StampStatus.Active && s.CreatedAt <= createdBy)
                .OrderBy(s => s.CreatedAt).ThenBy(s => s.StampId, StringComparer.Ordinal).Skip(offset).Take(limit)]);
        }
    }

    public Task<bool> MarkBurnedAsync(string stampId, long depositReturned, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_stamps.TryGetValue(stampId, out var stamp) || stamp.Status != StampStatus.Active)
            {
                return Task.FromResult(false);
            }
            _stamps[stampId] = stamp with { Status = StampStatus.Burned, BurnedAt = now, DepositReturned = depositReturned };
            return Task.FromResult(true);
        }
    }

    public Task<(StoredModel Model, bool Created)> InsertModelAsync(StoredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            if (_models.TryGetValue(model.ModelHash, out var existing))
            {
                return Task.FromResult((existing, false));
            }
            _models[model.ModelHash] = model;
            foreach (var id in model.StampIds)
            {
                _stamps[id] = _stamps[id] with { Uses = _stamps[id].Uses + 1 };
            }
            return Task.FromResult((model, true));
        }
    }

    public Task<StoredModel?> GetModelAsync(string modelHash)
    {
        lock (_lock)
        {
            return Task.FromResult(_models.GetValueOrDefault(modelHash));
        }
    }
}
