namespace OrleansGoRelay.Grains.Games;

/// <summary>The registry's durable part: the sinks registered, by silo.</summary>
[GenerateSerializer, Alias("gorelay.GameEventSinkRegistryState")]
public sealed class GameEventSinkRegistryState
{
    /// <summary>Each silo's sink.</summary>
    [Id(0)]
    public Dictionary<string, IGameEventSink> Sinks { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Where game grains find every silo's event sink. The set of sinks is stored (low rate: it changes when a silo joins
/// or leaves) through the ADO.NET provider, so a registry that moves to another silo after a crash still knows every
/// sink at once instead of waiting for the silos to register again; registrations not refreshed for a minute lapse.
/// </summary>
[GrainType("game-event-sink-registry")]
public sealed class GameEventSinkRegistryGrain(
    [PersistentState("sinks", GrainStorageNames.LowRate)] IPersistentState<GameEventSinkRegistryState> state,
    TimeProvider clock) : Grain, IGameEventSinkRegistryGrain
{
    private static readonly TimeSpan Lapse = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Stored sinks count as just seen: their silos refresh them within seconds, or they lapse.
        foreach (var siloId in state.State.Sinks.Keys)
        {
            _seen[siloId] = clock.GetUtcNow();
        }
        return Task.CompletedTask;
    }

    public async Task Register(string siloId, IGameEventSink sink)
    {
        _seen[siloId] = clock.GetUtcNow();
        var changed = !state.State.Sinks.TryGetValue(siloId, out var known) || !known.Equals(sink);
        foreach (var lapsed in _seen.Where(s => clock.GetUtcNow() - s.Value > Lapse).Select(s => s.Key).ToList())
        {
            _seen.Remove(lapsed);
            changed |= state.State.Sinks.Remove(lapsed);
        }
        if (changed)
        {
            state.State.Sinks[siloId] = sink;
            await state.WriteStateAsync();
        }
    }

    public async Task Unregister(string siloId)
    {
        _seen.Remove(siloId);
        if (state.State.Sinks.Remove(siloId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<IGameEventSink>> Sinks() => Task.FromResult<IReadOnlyList<IGameEventSink>>(state.State.Sinks.Values.ToArray());
}
