using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace OrleansGoRelay.Persistence.GrainStorage;

/// <summary>
/// Orleans grain storage in PostgreSQL's <c>grain_state</c> table, one row per (grain type, grain key, state name),
/// the state as plain JSON (<c>jsonb</c>, no .NET type names). The ETag is the row's version as a decimal string and
/// every write is a compare-and-swap on it: a lost race throws <see cref="InconsistentStateException"/>. Clearing keeps
/// a versioned tombstone (state NULL) so that a writer holding an older ETag still conflicts.
/// </summary>
/// <remarks>
/// Writes are group-committed (see <see cref="GroupCommitWriter"/>): concurrent writes from many grains travel in one
/// statement and one transaction, and each is acknowledged only after that commit. Loading never depends on the
/// stored <c>state_type</c> (informational: the state type's Orleans <c>[Alias]</c>, else its full name), so a renamed
/// state class still loads; a row whose JSON does not fit the state type raises <see cref="GrainStateCorruptedException"/>.
/// Cancellation is honoured by reads, and by writes only until they are queued: a queued write always runs to its
/// commit, so its caller never mistakes a committed write for a cancelled one.
/// Stopping refuses the writes that arrive after it began (<see cref="OrleansException"/>, "has stopped": not
/// attempted) and commits every write queued before; when <see cref="StopAsync"/> returns, the task of each of those
/// writes has completed, with its grain state's ETag already updated.
/// </remarks>
public sealed partial class GroupCommitGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private const string ReadSql = "SELECT state_type, state::text, version FROM grain_state WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3";

    private readonly string _name;
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource? _ownedDataSource;
    private readonly JsonSerializerOptions _json;
    private readonly IActivatorProvider _activators;
    private readonly ILogger<GroupCommitGrainStorage> _logger;
    private readonly GroupCommitWriter _writer;
    private readonly int _lifecycleStage;
    private readonly Lazy<Task> _stopping;

    /// <summary>A provider on a data source the caller owns (and disposes after this provider).</summary>
    public GroupCommitGrainStorage(
        string name,
        GroupCommitGrainStorageOptions options,
        NpgsqlDataSource dataSource,
        IActivatorProvider activators,
        ILogger<GroupCommitGrainStorage> logger)
        : this(name, options, dataSource, ownedDataSource: null, activators, logger)
    {
    }

    private GroupCommitGrainStorage(
        string name,
        GroupCommitGrainStorageOptions options,
        NpgsqlDataSource dataSource,
        NpgsqlDataSource? ownedDataSource,
        IActivatorProvider activators,
        ILogger<GroupCommitGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(name);
        _name = name;
        _dataSource = dataSource;
        _ownedDataSource = ownedDataSource;
        _json = options.JsonSerializerOptions;
        _activators = activators;
        _logger = logger;
        _lifecycleStage = options.LifecycleStage;
        _writer = new GroupCommitWriter(dataSource, options.MaxBatchSize, options.FlusherCount, logger);
        _stopping = new Lazy<Task>(StopOnceAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The provider's name (the storage name grains refer to).</summary>
    public string Name => _name;

    internal GroupCommitWriter Writer => _writer;

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = RowKey(grainId, stateName);
        string storedType;
        string? json;
        long version;
        var command = _dataSource.CreateCommand(ReadSql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = key.GrainType });
            command.Parameters.Add(new NpgsqlParameter { Value = key.GrainKey });
            command.Parameters.Add(new NpgsqlParameter { Value = key.StateName });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    (grainState.State, grainState.ETag, grainState.RecordExists) = (CreateDefault<T>(), null, false);
                    return;
                }

                (storedType, json, version) = (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2));
            }
        }

        if (json is null)
        {
            // A cleared state: its tombstone's version stays the ETag, so a writer holding an older one conflicts.
            (grainState.State, grainState.ETag, grainState.RecordExists) = (CreateDefault<T>(), FormatETag(version), false);
            return;
        }

        var state = Deserialize<T>(grainId, stateName, storedType, json);
        (grainState.State, grainState.ETag, grainState.RecordExists) = (state, FormatETag(version), true);
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        try
        {
            ArgumentNullException.ThrowIfNull(grainState);
            if (grainState.State is null)
            {
                throw new ArgumentException($"State '{stateName}' of grain {grainId} is null; write a state object, or clear the state.", nameof(grainState));
            }

            var json = JsonSerializer.Serialize(grainState.State, _json);
            return Enqueue(new PendingStateWrite<T>(this, "write", stateName, grainId, grainState, default, RowWrite("write", stateName, grainId, grainState.ETag, StateTypeName<T>.Value, json)));
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        try
        {
            ArgumentNullException.ThrowIfNull(grainState);
            // Made here, not once committed: nothing that can fail is left between the commit and its acknowledgement.
            var cleared = CreateDefault<T>();
            return Enqueue(new PendingStateWrite<T>(this, "clear", stateName, grainId, grainState, cleared, RowWrite("clear", stateName, grainId, grainState.ETag, StateTypeName<T>.Value, null)));
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(GroupCommitGrainStorage)}-{_name}", _lifecycleStage, _ => Task.CompletedTask, StopAsync);
    }

    /// <summary>
    /// Takes no more writes, commits those queued, and releases a data source this provider built. When it returns,
    /// every write queued before it was called has completed (committed, or failed with its error).
    /// </summary>
    /// <remarks>
    /// Writes are refused from the first call on. <paramref name="cancellationToken"/> only stops the waiting: the
    /// queue still drains, and a later call (or <see cref="DisposeAsync"/>) waits for the same drain.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken) => _stopping.Value.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task StopOnceAsync()
    {
        await _writer.StopAsync(CancellationToken.None).ConfigureAwait(false);
        LogStopped(_name);
        if (_ownedDataSource is not null)
        {
            await _ownedDataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Builds the provider named <paramref name="name"/> from its named options and the services (see <see cref="GroupCommitGrainStorageOptions"/> for where the data source comes from).</summary>
    internal static GroupCommitGrainStorage Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<GroupCommitGrainStorageOptions>>().Get(name);
        options.Validate(name);
        NpgsqlDataSource? owned = null;
        var dataSource = options.DataSource
            ?? (options.ConnectionString is { Length: > 0 } connectionString ? owned = NpgsqlDataSource.Create(connectionString) : null)
            ?? (options.DataSourceServiceKey is { } key ? services.GetRequiredKeyedService<NpgsqlDataSource>(key) : services.GetService<NpgsqlDataSource>())
            ?? throw new OrleansConfigurationException(
                $"Grain storage '{name}' has no database: set {nameof(GroupCommitGrainStorageOptions.ConnectionString)}, " +
                $"{nameof(GroupCommitGrainStorageOptions.DataSource)} or {nameof(GroupCommitGrainStorageOptions.DataSourceServiceKey)}, " +
                $"or register an {nameof(NpgsqlDataSource)} singleton.");

        return new GroupCommitGrainStorage(
            name,
            options,
            dataSource,
            owned,
            services.GetRequiredService<IActivatorProvider>(),
            services.GetRequiredService<ILogger<GroupCommitGrainStorage>>());
    }

    private StateRowWrite RowWrite(string operation, string stateName, GrainId grainId, string? etag, string stateType, string? json) =>
        new(RowKey(grainId, stateName), stateType, json, ExpectedVersion(operation, stateName, grainId, etag));

    /// <summary>
    /// Hands a write to the writer. The task returned is the pending write's own: the flush loop completes it, so it
    /// has completed by the time the writer's loops end (see <see cref="StopAsync"/>).
    /// </summary>
    private Task Enqueue<T>(PendingStateWrite<T> pending)
    {
        if (!_writer.TryWrite(pending))
        {
            throw new OrleansException(
                $"Grain storage '{_name}' has stopped: the {pending.Operation} of state '{pending.StateName}' of grain {pending.GrainId} was not attempted.");
        }

        return pending.Task;
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? etag, long? storedVersion)
    {
        var stored = storedVersion is { } version ? FormatETag(version) : null;
        return new InconsistentStateException(
            $"Grain storage '{_name}': the {operation} of state '{stateName}' of grain {grainId} expected " +
            $"{(etag is null ? "no stored state" : $"version {etag}")} but storage holds {(stored is null ? "no state" : $"version {stored}")}.",
            stored,
            etag);
    }

    private long ExpectedVersion(string operation, string stateName, GrainId grainId, string? etag)
    {
        if (etag is null)
        {
            return 0;
        }

        if (long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
        {
            return version;
        }

        throw new InconsistentStateException(
            $"Grain storage '{_name}': the {operation} of state '{stateName}' of grain {grainId} carries ETag '{etag}', which is not a version this storage issued.",
            null,
            etag);
    }

    private T Deserialize<T>(GrainId grainId, string stateName, string storedType, string json)
    {
        T? state;
        try
        {
            state = JsonSerializer.Deserialize<T>(json, _json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            LogCorruptedState(ex, grainId, stateName, storedType);
            throw new GrainStateCorruptedException(
                grainId,
                stateName,
                $"its JSON does not match {typeof(T).Name} (row written as '{storedType}'): {ex.Message}",
                ex);
        }

        if (state is null)
        {
            LogCorruptedState(null, grainId, stateName, storedType);
            throw new GrainStateCorruptedException(grainId, stateName, $"its JSON is null (row written as '{storedType}')");
        }

        return state;
    }

    private T CreateDefault<T>() => _activators.GetActivator<T>().Create();

    private static StateRowKey RowKey(GrainId grainId, string stateName)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        return new StateRowKey(grainId.Type.ToString()!, grainId.Key.ToString()!, stateName);
    }

    private static string FormatETag(long version) => version.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored state {StateName} of grain {GrainId} (written as {StoredType}) cannot be read into its state type")]
    private partial void LogCorruptedState(Exception? exception, GrainId grainId, string stateName, string storedType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage {Name} stopped after committing its queued writes")]
    private partial void LogStopped(string name);

    /// <summary>
    /// One write or clear of a grain state, and its caller's task. The flush loop that commits it updates the grain
    /// state (ETag, and for a clear the default state) and completes the task in the same call, so a write is
    /// acknowledged only after its commit and never after the writer's loops have ended.
    /// </summary>
    private sealed class PendingStateWrite<T>(
        GroupCommitGrainStorage storage,
        string operation,
        string stateName,
        GrainId grainId,
        IGrainState<T> grainState,
        T? cleared,
        StateRowWrite write) : PendingWrite(write)
    {
        // Continuations run asynchronously, never inline on the flush loop; the task's state changes at once.
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly string? _etag = grainState.ETag;

        public Task Task => _completion.Task;

        public string Operation => operation;

        public string StateName => stateName;

        public GrainId GrainId => grainId;

        public override void Complete(StateRowWriteOutcome outcome)
        {
            try
            {
                if (outcome.WrittenVersion is not { } written)
                {
                    _completion.TrySetException(storage.Conflict(operation, stateName, grainId, _etag, outcome.StoredVersion));
                    return;
                }

                if (Write.Json is null)
                {
                    (grainState.State, grainState.ETag, grainState.RecordExists) = (cleared!, FormatETag(written), false);
                }
                else
                {
                    (grainState.ETag, grainState.RecordExists) = (FormatETag(written), true);
                }

                _completion.TrySetResult();
            }
            catch (Exception ex)
            {
                // Only a grain state whose setters throw gets here; the loop must go on completing the others.
                _completion.TrySetException(ex);
            }
        }

        public override void Fail(Exception error) => _completion.TrySetException(error);
    }

    /// <summary>The name stored in <c>state_type</c>: the Orleans alias of the state type if it has one, else its full name.</summary>
    private static class StateTypeName<T>
    {
        public static readonly string Value = typeof(T).GetCustomAttribute<AliasAttribute>(inherit: false)?.Alias ?? typeof(T).ToString();
    }
}
