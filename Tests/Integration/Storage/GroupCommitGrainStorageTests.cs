using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansGoRelay.Persistence.GrainStorage;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Integration.Storage;

/// <summary>
/// The storage contract, called directly through <see cref="IGrainStorage"/> with real grain ids on the real
/// PostgreSQL, with the <c>grain_state</c> table that migration 0001 creates.
/// </summary>
public sealed class GroupCommitGrainStorageTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string StateName = "s";
    private ServiceProvider services = null!;
    private GroupCommitGrainStorage storage = null!;

    public async Task InitializeAsync()
    {
        await database.MigrateAsync(throughVersion: 1);
        (services, storage) = CreateStorage();
    }

    public async Task DisposeAsync() => await services.DisposeAsync();

    [Fact]
    public async Task WriteThenReadReturnsTheStateAndItsVersion()
    {
        var grain = NewGrainId();
        var written = new GrainState<GameState>(NewGame("first"));

        await storage.WriteStateAsync(StateName, grain, written);
        Assert.Equal("1", written.ETag);
        Assert.True(written.RecordExists);

        var read = new GrainState<GameState>();
        await storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal("1", read.ETag);
        Assert.True(read.RecordExists);
        AssertSameGame(written.State!, read.State!);

        read.State = read.State! with { Phase = GamePhase.Finished, Moves = [.. read.State!.Moves, new Move(9, 9, "white")] };
        await storage.WriteStateAsync(StateName, grain, read);
        Assert.Equal("2", read.ETag);

        var again = new GrainState<GameState>();
        await storage.ReadStateAsync(StateName, grain, again);
        Assert.Equal("2", again.ETag);
        AssertSameGame(read.State!, again.State!);
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT version FROM grain_state WHERE grain_type = 'game' AND grain_key = $1 AND state_name = $2", grain.Key.ToString()!, StateName));
    }

    [Fact]
    public async Task ReadingAStateNeverWrittenGivesADefaultStateAndNoETag()
    {
        var read = new GrainState<CounterState>(new CounterState { Count = 42 }) { ETag = "7", RecordExists = true };

        await storage.ReadStateAsync(StateName, NewGrainId(), read);

        Assert.Null(read.ETag);
        Assert.False(read.RecordExists);
        Assert.Equal(new CounterState(), read.State);
    }

    [Fact]
    public async Task StaleETagIsRejectedWithInconsistentStateException()
    {
        var grain = NewGrainId();
        await storage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 1 }));
        var first = await ReadAsync<CounterState>(grain);
        var stale = await ReadAsync<CounterState>(grain);

        first.State = new CounterState { Count = 2 };
        await storage.WriteStateAsync(StateName, grain, first);
        stale.State = new CounterState { Count = 99 };
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, stale));

        Assert.Equal("2", error.StoredEtag);
        Assert.Equal("1", error.CurrentEtag);
        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal("1", stale.ETag);
        var stored = await ReadAsync<CounterState>(grain);
        Assert.Equal(("2", 2), (stored.ETag, stored.State!.Count));
    }

    [Fact]
    public async Task WritingWithoutAnETagOverAStoredStateIsRejected()
    {
        var grain = NewGrainId();
        await storage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 1 }));

        var error = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 5 })));

        Assert.Equal("1", error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        Assert.Equal(1, (await ReadAsync<CounterState>(grain)).State!.Count);
    }

    [Fact]
    public async Task AnETagThisStorageDidNotIssueIsRejected()
    {
        var grain = NewGrainId();

        var error = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState(), "W/\"abc\"")));

        Assert.Contains("not a version", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = $1", grain.Key.ToString()!));
    }

    [Fact]
    public async Task ClearedStateStillRejectsAStaleWriter()
    {
        var grain = NewGrainId();
        var owner = new GrainState<CounterState>(new CounterState { Count = 3 });
        await storage.WriteStateAsync(StateName, grain, owner);
        var stale = await ReadAsync<CounterState>(grain);

        await storage.ClearStateAsync(StateName, grain, owner);
        Assert.Equal("2", owner.ETag);
        Assert.False(owner.RecordExists);
        Assert.Equal(new CounterState(), owner.State);
        Assert.True(await database.ScalarAsync<bool>("SELECT state IS NULL AND version = 2 FROM grain_state WHERE grain_key = $1", grain.Key.ToString()!));

        stale.State = new CounterState { Count = 100 };
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, stale));
        Assert.Equal(("2", "1"), (error.StoredEtag, error.CurrentEtag));

        var afterClear = await ReadAsync<CounterState>(grain);
        Assert.Equal("2", afterClear.ETag);
        Assert.False(afterClear.RecordExists);
        Assert.Equal(new CounterState(), afterClear.State);

        afterClear.State = new CounterState { Count = 1 };
        await storage.WriteStateAsync(StateName, grain, afterClear);
        Assert.Equal("3", afterClear.ETag);
        Assert.True(afterClear.RecordExists);
    }

    [Fact]
    public async Task ClearingAStateNeverWrittenLeavesATombstoneThatAStaleInsertCannotPass()
    {
        var grain = NewGrainId();
        var cleared = new GrainState<CounterState>(new CounterState());

        await storage.ClearStateAsync(StateName, grain, cleared);

        Assert.Equal("1", cleared.ETag);
        Assert.False(cleared.RecordExists);
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 1 })));
    }

    [Fact]
    public async Task ConcurrentWritesFromManyGrainsAreEachAcknowledgedAfterCommit()
    {
        const int grains = 1000;
        var ids = Enumerable.Range(0, grains).Select(i => GrainId.Create("game", $"many-{Guid.NewGuid():N}-{i}")).ToArray();
        var (statementsBefore, writesBefore) = storage.Writer.Counts;
        await using var observer = NpgsqlDataSource.Create(database.ConnectionString);

        // Each grain writes twice, one write after the other (as an activation does); all grains at once: 2,000 writes.
        var versions = await Task.WhenAll(ids.Select(async (id, i) =>
        {
            var state = new GrainState<GameState>(NewGame($"game {i}"));
            await storage.WriteStateAsync(StateName, id, state);
            var afterFirst = state.ETag;
            state.State = state.State! with { Phase = GamePhase.Finished, Captures = new() { ["black"] = i } };
            await storage.WriteStateAsync(StateName, id, state);
            return (afterFirst, afterSecond: state.ETag);
        }));

        Assert.All(versions, v => Assert.Equal(("1", "2"), v));
        var (statements, writes) = storage.Writer.Counts;
        Assert.Equal(2 * grains, writes - writesBefore);
        // Group commit: far fewer statements (each one transaction, one WAL flush) than writes.
        Assert.True(statements - statementsBefore < grains, $"{statements - statementsBefore} statements for {2 * grains} writes");

        await using var command = observer.CreateCommand("""
            SELECT count(*), count(*) FILTER (WHERE version = 2 AND state->>'phase' = 'Finished' AND (state->'captures'->>'black')::int = substring(state->>'title' from 6)::int)
              FROM grain_state WHERE grain_type = 'game' AND grain_key LIKE 'many-%'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((grains, grains), ((int)reader.GetInt64(0), (int)reader.GetInt64(1)));
    }

    [Fact]
    public async Task AWriteIsVisibleToOtherConnectionsWhenItIsAcknowledged()
    {
        await using var observer = NpgsqlDataSource.Create(database.ConnectionString);
        var ids = Enumerable.Range(0, 200).Select(i => NewGrainId()).ToArray();

        var seen = await Task.WhenAll(ids.Select(async id =>
        {
            await storage.WriteStateAsync(StateName, id, new GrainState<CounterState>(new CounterState { Count = 1 }));
            await using var command = observer.CreateCommand("SELECT version FROM grain_state WHERE grain_type = 'game' AND grain_key = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = id.Key.ToString()! });
            return await command.ExecuteScalarAsync();
        }));

        Assert.All(seen, version => Assert.Equal(1L, version));
    }

    [Fact]
    public async Task OneConflictInABatchDoesNotFailTheOthers()
    {
        var (isolatedServices, isolated) = CreateStorage(o => o.FlusherCount = 1);
        await using var _ = isolatedServices;
        var ids = Enumerable.Range(0, 50).Select(_ => NewGrainId()).ToArray();
        var states = new List<GrainState<CounterState>>();
        foreach (var id in ids)
        {
            var state = new GrainState<CounterState>(new CounterState { Count = 1 });
            await isolated.WriteStateAsync(StateName, id, state);
            states.Add(state);
        }

        states[17].ETag = "5"; // stale: the stored version is 1
        await using var held = await HeldFlushLoop.HoldAsync(database, isolated);
        var statementsBefore = isolated.Writer.Counts.Statements;
        var writes = ids.Select((id, i) =>
        {
            states[i].State = new CounterState { Count = 2 };
            return isolated.WriteStateAsync(StateName, id, states[i]);
        }).ToArray();
        await held.ReleaseAsync();
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                await w;
                return null;
            }
            catch (InconsistentStateException ex)
            {
                return ex;
            }
        }));

        Assert.Equal(2, isolated.Writer.Counts.Statements - statementsBefore); // the held write, then all 50 together
        Assert.Equal([17], outcomes.Select((o, i) => (o, i)).Where(x => x.o is not null).Select(x => x.i));
        Assert.Equal("1", outcomes[17]!.StoredEtag);
        Assert.All(states.Where((_, i) => i != 17), s => Assert.Equal("2", s.ETag));
        Assert.Equal(1, (await ReadAsync<CounterState>(ids[17])).State!.Count);
        Assert.Equal(2, (await ReadAsync<CounterState>(ids[18])).State!.Count);
    }

    [Fact]
    public async Task TwoWritesToOneRowQueuedTogetherCommitOneAfterTheOther()
    {
        var (isolatedServices, isolated) = CreateStorage(o => o.FlusherCount = 1);
        await using var _ = isolatedServices;
        var grain = NewGrainId();
        await using var held = await HeldFlushLoop.HoldAsync(database, isolated);
        var statementsBefore = isolated.Writer.Counts.Statements;

        // Queued together; the second expects the version the first will write, so it must not share its statement.
        var first = isolated.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 1 }));
        var second = isolated.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 2 }, "1"));
        var other = isolated.WriteStateAsync(StateName, NewGrainId(), new GrainState<CounterState>(new CounterState { Count = 1 }));
        await held.ReleaseAsync();
        await Task.WhenAll(first, second, other);

        Assert.Equal(3, isolated.Writer.Counts.Statements - statementsBefore); // the held write, first + other, second
        var stored = await ReadAsync<CounterState>(grain);
        Assert.Equal(("2", 2), (stored.ETag, stored.State!.Count));
    }

    [Fact]
    public async Task AStateThatJsonbRefusesFailsAloneAndItsNeighboursCommit()
    {
        var ids = Enumerable.Range(0, 20).Select(_ => NewGrainId()).ToArray();

        var writes = ids.Select((id, i) => storage.WriteStateAsync(
            StateName, id, new GrainState<CounterState>(new CounterState { Count = i, Note = i == 7 ? "nul \0 inside" : "fine" }))).ToArray();
        var failure = await Record.ExceptionAsync(() => writes[7]);
        await Task.WhenAll(writes.Where((_, i) => i != 7));

        Assert.IsType<PostgresException>(failure);
        Assert.Equal(19L, await database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = ANY($1)", (object)ids.Select(id => id.Key.ToString()!).ToArray()));
    }

    [Theory]
    [InlineData("""{"count": "not a number"}""")]
    [InlineData("[1, 2, 3]")]
    [InlineData("\"a string\"")]
    [InlineData("null")]
    public async Task CorruptedRowRaisesAnErrorNamingTheGrain(string json)
    {
        var grain = NewGrainId();
        await database.ExecuteAsync(
            "INSERT INTO grain_state (grain_type, grain_key, state_name, state_type, state, version) VALUES ($1, $2, $3, 'Some.Type', $4::jsonb, 7)",
            grain.Type.ToString()!, grain.Key.ToString()!, StateName, json);
        var state = new GrainState<CounterState>();

        var error = await Assert.ThrowsAsync<GrainStateCorruptedException>(() => storage.ReadStateAsync(StateName, grain, state));

        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{StateName}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(grain, error.GrainId);
        Assert.Equal(StateName, error.StateName);
        Assert.Null(state.ETag);
        // The storage carries on: other grains read and write.
        var healthy = NewGrainId();
        await storage.WriteStateAsync(StateName, healthy, new GrainState<CounterState>(new CounterState { Count = 1 }));
        Assert.Equal(1, (await ReadAsync<CounterState>(healthy)).State!.Count);
    }

    [Fact]
    public async Task ARowMissingARequiredMemberIsCorrupted()
    {
        var grain = NewGrainId();
        await database.ExecuteAsync(
            "INSERT INTO grain_state (grain_type, grain_key, state_name, state_type, state, version) VALUES ($1, $2, $3, 'test.game-state', '{\"phase\": \"Playing\"}', 1)",
            grain.Type.ToString()!, grain.Key.ToString()!, StateName);

        var error = await Assert.ThrowsAsync<GrainStateCorruptedException>(() => storage.ReadStateAsync(StateName, grain, new GrainState<GameState>()));

        Assert.IsType<JsonException>(error.InnerException);
        Assert.Contains("title", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RenamedStateTypeStillLoads()
    {
        var grain = NewGrainId();
        await storage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 12, Note = "before the rename" }));
        Assert.Equal(typeof(CounterState).FullName, await StoredTypeAsync(grain));

        var renamed = await ReadAsync<RenamedCounterState>(grain);

        Assert.Equal(new RenamedCounterState { Count = 12, Note = "before the rename" }, renamed.State);
        Assert.Equal("1", renamed.ETag);
        renamed.State = renamed.State! with { Count = 13 };
        await storage.WriteStateAsync(StateName, grain, renamed);
        Assert.Equal(typeof(RenamedCounterState).FullName, await StoredTypeAsync(grain));
    }

    [Fact]
    public async Task StateIsPlainJsonWithoutTypeNames()
    {
        var grain = NewGrainId();
        await storage.WriteStateAsync(StateName, grain, new GrainState<GameState>(NewGame("plain")));

        var json = await database.ScalarAsync<string>("SELECT state::text FROM grain_state WHERE grain_key = $1", grain.Key.ToString()!);

        Assert.Equal("test.game-state", await StoredTypeAsync(grain));
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        Assert.DoesNotContain("OrleansGoRelay", json, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json!);
        var root = document.RootElement;
        Assert.Equal(["captures", "moves", "phase", "startedAt", "title"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("plain", root.GetProperty("title").GetString());
        Assert.Equal("Playing", root.GetProperty("phase").GetString());
        Assert.Equal(3, root.GetProperty("moves")[1].GetProperty("x").GetInt32());
        Assert.Equal(2, root.GetProperty("captures").GetProperty("white").GetInt32());
    }

    [Fact]
    public async Task ThePluggedInJsonConventionsAreUsed()
    {
        var snakeCase = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        };
        var (customServices, custom) = CreateStorage(o => o.JsonSerializerOptions = snakeCase);
        await using var _ = customServices;
        var grain = NewGrainId();

        await custom.WriteStateAsync(StateName, grain, new GrainState<GameState>(NewGame("custom") with { Phase = GamePhase.Finished }));

        Assert.Equal("finished", await database.ScalarAsync<string>("SELECT state->>'phase' FROM grain_state WHERE grain_key = $1", grain.Key.ToString()!));
        Assert.Equal("2026-01-02T03:04:05+00:00", await database.ScalarAsync<string>("SELECT state->>'started_at' FROM grain_state WHERE grain_key = $1", grain.Key.ToString()!));
        Assert.Equal("custom", (await ReadAsync<GameState>(grain, custom)).State!.Title);
    }

    [Fact]
    public async Task RowsWrittenByTheFormerRuntimeStillLoad()
    {
        // The home-made runtime wrote web-default JSON with enums as numbers; string enums still read numbers.
        var grain = NewGrainId();
        await database.ExecuteAsync(
            "INSERT INTO grain_state (grain_type, grain_key, state_name, state_type, state, version) VALUES ($1, $2, $3, 'OrleansGoRelay.Grains.GameState', $4::jsonb, 41)",
            grain.Type.ToString()!, grain.Key.ToString()!, StateName,
            """{"title":"old","phase":1,"moves":[{"x":1,"y":2,"colour":"black"}],"captures":{},"startedAt":null}""");

        var read = await ReadAsync<GameState>(grain);

        Assert.Equal(("41", "old", GamePhase.Playing, 1), (read.ETag, read.State!.Title, read.State!.Phase, read.State!.Moves.Count));
    }

    [Fact]
    public async Task StoppingCommitsTheQueuedWritesAndRefusesNewOnes()
    {
        var (stoppingServices, stopping) = CreateStorage();
        await using var _ = stoppingServices;
        var ids = Enumerable.Range(0, 300).Select(_ => NewGrainId()).ToArray();
        var states = ids.Select(_ => new GrainState<CounterState>(new CounterState { Count = 1 })).ToArray();
        var writes = ids.Select((id, i) => stopping.WriteStateAsync(StateName, id, states[i])).ToArray();

        await stopping.StopAsync(CancellationToken.None);

        // The contract, not a race: a queued write's task is completed by the flush loop itself, before the loops end.
        Assert.All(writes, w => Assert.True(w.IsCompletedSuccessfully, $"a queued write is {w.Status} after the stop"));
        Assert.All(states, s => Assert.Equal(("1", true), (s.ETag, s.RecordExists)));
        Assert.Equal(300L, await database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = ANY($1)", (object)ids.Select(id => id.Key.ToString()!).ToArray()));
        var refused = await Assert.ThrowsAsync<OrleansException>(
            () => stopping.WriteStateAsync(StateName, NewGrainId(), new GrainState<CounterState>(new CounterState())));
        Assert.Contains("has stopped", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoppingWhileWritesArriveCommitsEachAcceptedWriteAndRefusesTheRest()
    {
        var (stoppingServices, stopping) = CreateStorage();
        await using var _ = stoppingServices;
        var writes = new List<(GrainId Id, Task Write)>();

        // Four writers that never wait for their writes, each until the provider refuses one.
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var n = 0; ; n++)
            {
                var id = NewGrainId();
                var write = stopping.WriteStateAsync(StateName, id, new GrainState<CounterState>(new CounterState { Count = 1 }));
                lock (writes)
                {
                    writes.Add((id, write));
                }

                if (write.IsFaulted)
                {
                    return;
                }

                if (n % 20 == 19)
                {
                    await Task.Delay(1);
                }
            }
        })).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Count() < 200)
        {
            Assert.True(DateTime.UtcNow < deadline, "The writers never got going.");
            await Task.Delay(5);
        }

        await stopping.StopAsync(CancellationToken.None);
        (GrainId Id, Task Write)[] atStop;
        lock (writes)
        {
            atStop = [.. writes];
        }

        // Every write handed out by then is settled: accepted ones committed, the others refused (never left waiting).
        Assert.All(atStop, w => Assert.True(w.Write.IsCompleted, $"a write is {w.Write.Status} after the stop"));
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        (GrainId Id, Task Write)[] all;
        lock (writes)
        {
            all = [.. writes];
        }

        var refused = all.Where(w => !w.Write.IsCompletedSuccessfully).ToArray();
        Assert.All(refused, w => Assert.Contains("has stopped", Assert.IsType<OrleansException>(w.Write.Exception!.InnerException).Message, StringComparison.Ordinal));
        Assert.Equal(4, refused.Length); // each writer stops at its first refusal
        var accepted = all.Where(w => w.Write.IsCompletedSuccessfully).Select(w => w.Id.Key.ToString()!).ToArray();
        Assert.NotEmpty(accepted);
        Assert.Equal(accepted.Length, await database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = ANY($1)", (object)accepted));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = ANY($1)", (object)refused.Select(w => w.Id.Key.ToString()!).ToArray()));

        int Count()
        {
            lock (writes)
            {
                return writes.Count;
            }
        }
    }

    [Fact]
    public async Task AStopWhoseWaitIsCancelledStillDrainsAndTheNextStopWaitsForIt()
    {
        var (stoppingServices, stopping) = CreateStorage(o => o.FlusherCount = 1);
        await using var _ = stoppingServices;
        await using var held = await HeldFlushLoop.HoldAsync(database, stopping);
        var ids = Enumerable.Range(0, 50).Select(_ => NewGrainId()).ToArray();
        var writes = ids.Select(id => stopping.WriteStateAsync(StateName, id, new GrainState<CounterState>(new CounterState { Count = 1 }))).ToArray();

        // The loop is held on a locked row, so the stop cannot finish; its caller gives up waiting.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopping.StopAsync(new CancellationToken(canceled: true)));
        var late = await Assert.ThrowsAsync<OrleansException>(
            () => stopping.WriteStateAsync(StateName, NewGrainId(), new GrainState<CounterState>(new CounterState())));
        Assert.Contains("has stopped", late.Message, StringComparison.Ordinal);
        Assert.All(writes, w => Assert.False(w.IsCompleted));

        var second = stopping.StopAsync(CancellationToken.None);
        Assert.False(second.IsCompleted); // it waits for the same drain, not "already stopped"
        await held.ReleaseAsync();
        await second.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(writes, w => Assert.True(w.IsCompletedSuccessfully, $"a queued write is {w.Status} after the stop"));
        Assert.Equal(50L, await database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE grain_key = ANY($1)", (object)ids.Select(id => id.Key.ToString()!).ToArray()));
    }

    [Fact]
    public void AProviderWithoutADatabaseSaysHowToGiveItOne()
    {
        var services = new ServiceCollection().AddLogging().AddSerializer().AddGroupCommitGrainStorage("nowhere").BuildServiceProvider();

        var error = Assert.Throws<OrleansConfigurationException>(() => services.GetRequiredKeyedService<IGrainStorage>("nowhere"));

        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConnectionStringGivesTheProviderItsOwnDataSource()
    {
        var owned = new ServiceCollection().AddLogging().AddSerializer()
            .AddGroupCommitGrainStorage("owned", o => o.ConnectionString = database.ConnectionString)
            .BuildServiceProvider();
        await using var _ = owned;
        var grainStorage = owned.GetRequiredKeyedService<IGrainStorage>("owned");
        var grain = NewGrainId();

        await grainStorage.WriteStateAsync(StateName, grain, new GrainState<CounterState>(new CounterState { Count = 4 }));

        Assert.Equal(4, (await ReadAsync<CounterState>(grain)).State!.Count);
    }

    private (ServiceProvider Services, GroupCommitGrainStorage Storage) CreateStorage(Action<GroupCommitGrainStorageOptions>? configure = null)
    {
        // As a silo does it: the one NpgsqlDataSource singleton in DI, the provider registered by name.
        var provider = new ServiceCollection()
            .AddLogging()
            .AddSerializer()
            .AddSingleton(database.DataSource)
            .AddGroupCommitGrainStorage("test", configure)
            .BuildServiceProvider();
        return (provider, (GroupCommitGrainStorage)provider.GetRequiredKeyedService<IGrainStorage>("test"));
    }

    private Task<GrainState<T>> ReadAsync<T>(GrainId grain) => ReadAsync<T>(grain, storage);

    private static async Task<GrainState<T>> ReadAsync<T>(GrainId grain, GroupCommitGrainStorage from)
    {
        var state = new GrainState<T>();
        await from.ReadStateAsync(StateName, grain, state);
        return state;
    }

    private Task<string?> StoredTypeAsync(GrainId grain) =>
        database.ScalarAsync<string>("SELECT state_type FROM grain_state WHERE grain_type = $1 AND grain_key = $2", grain.Type.ToString()!, grain.Key.ToString()!);

    private static GrainId NewGrainId() => GrainId.Create("game", $"g-{Guid.NewGuid():N}");

    private static GameState NewGame(string title) => new()
    {
        Title = title,
        Phase = GamePhase.Playing,
        Moves = [new Move(1, 2, "black"), new Move(3, 4, "white")],
        Captures = new() { ["black"] = 0, ["white"] = 2 },
        StartedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
    };

    private static void AssertSameGame(GameState expected, GameState actual)
    {
        Assert.Equal(expected.Title, actual.Title);
        Assert.Equal(expected.Phase, actual.Phase);
        Assert.Equal(expected.Moves, actual.Moves);
        Assert.Equal(expected.Captures, actual.Captures);
        Assert.Equal(expected.StartedAt, actual.StartedAt);
    }

    /// <summary>
    /// Holds a one-flush-loop storage's loop on a row another transaction has locked, so that the writes queued
    /// meanwhile travel together in the next statement once it is released.
    /// </summary>
    private sealed class HeldFlushLoop : IAsyncDisposable
    {
        private readonly NpgsqlConnection locker;
        private readonly NpgsqlTransaction transaction;
        private readonly Task heldWrite;

        private HeldFlushLoop(NpgsqlConnection locker, NpgsqlTransaction transaction, Task heldWrite) =>
            (this.locker, this.transaction, this.heldWrite) = (locker, transaction, heldWrite);

        public static async Task<HeldFlushLoop> HoldAsync(PostgresDatabase database, GroupCommitGrainStorage storage)
        {
            var blocker = NewGrainId();
            var blockerState = new GrainState<CounterState>(new CounterState());
            await storage.WriteStateAsync(StateName, blocker, blockerState);
            var locker = await database.DataSource.OpenConnectionAsync();
            var transaction = await locker.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM grain_state WHERE grain_key = $1 FOR UPDATE", locker, transaction))
            {
                lockRow.Parameters.Add(new NpgsqlParameter { Value = blocker.Key.ToString()! });
                await lockRow.ExecuteNonQueryAsync();
            }

            var heldWrite = storage.WriteStateAsync(StateName, blocker, blockerState);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "The flush loop never reached the locked row.");
                await Task.Delay(10);
            }

            return new HeldFlushLoop(locker, transaction, heldWrite);
        }

        public async Task ReleaseAsync()
        {
            Assert.False(heldWrite.IsCompleted);
            await transaction.CommitAsync();
            await heldWrite;
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await locker.DisposeAsync();
        }
    }
}
