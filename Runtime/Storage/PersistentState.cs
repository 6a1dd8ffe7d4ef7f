using System.Reflection;
using System.Text.Json;

namespace OrleansGoRelay.Runtime.Storage;

/// <summary>A grain's named state bound to storage; see <see cref="IPersistentState{TState}"/>.</summary>
internal sealed class PersistentState<TState>(GrainId grainId, string stateName, IGrainStorage storage, JsonSerializerOptions json)
    : IPersistentState<TState>, IActivationState where TState : class, new()
{
    /// <summary>The stable name stored beside the JSON, so a row of another type is recognised as foreign.</summary>
    public static readonly string StateTypeName = typeof(TState).GetCustomAttribute<StateTypeAttribute>()?.Name ?? typeof(TState).FullName!;

    public TState State { get; set; } = new();

    public string StateName => stateName;

    public long Version { get; private set; }

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync(grainId, stateName, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            (State, Version, RecordExists) = (new TState(), 0, false);
            return;
        }

        if (stored.StateType != StateTypeName)
        {
            throw new GrainStateCorruptedException(grainId, stateName, $"the row holds a '{stored.StateType}', not a '{StateTypeName}'");
        }

        if (stored.Json is null)
        {
            (State, Version, RecordExists) = (new TState(), stored.Version, false);
            return;
        }

        TState? state;
        try
        {
            state = JsonSerializer.Deserialize<TState>(stored.Json, json);
        }
        catch (JsonException ex)
        {
            throw new GrainStateCorruptedException(grainId, stateName, $"its JSON does not match {typeof(TState).Name} ({ex.Message})", ex);
        }

        (State, Version, RecordExists) = (state ?? throw new GrainStateCorruptedException(grainId, stateName, "its JSON is null"), stored.Version, true);
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var payload = JsonSerializer.Serialize(State, json);
        Version = await storage.WriteAsync(new StateWrite(grainId, stateName, StateTypeName, payload, Version), cancellationToken).ConfigureAwait(false);
        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        Version = await storage.WriteAsync(new StateWrite(grainId, stateName, StateTypeName, null, Version), cancellationToken).ConfigureAwait(false);
        (State, RecordExists) = (new TState(), false);
    }
}
