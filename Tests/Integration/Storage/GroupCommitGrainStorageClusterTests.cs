using OrleansGoRelay.Grains.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansGoRelay.Persistence.GrainStorage;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Integration.Storage;

/// <summary>One in-process silo whose default grain storage is the group-commit provider on a fresh database.</summary>
public sealed class StorageClusterFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await Database.MigrateAsync(throughVersion: 1);
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        var dataSource = Database.DataSource;
        builder.ConfigureSilo((_, silo) =>
        {
            // As the product's silo does: one NpgsqlDataSource singleton in DI, which the provider takes.
            silo.Services.AddSingleton(dataSource);
            silo.AddGroupCommitGrainStorageAsDefault();
            silo.Services.AddWireRecordSerializer();
        });
        builder.ConfigureClient(client => client.Services.AddWireRecordSerializer());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}

public sealed class GroupCommitGrainStorageClusterTests(StorageClusterFixture fixture) : IClassFixture<StorageClusterFixture>
{
    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task AGrainsPersistentStateSurvivesDeactivation()
    {
        var key = $"c-{Guid.NewGuid():N}";
        var counter = Client.GetGrain<ICounterGrain>(key);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await counter.Increment());
        }

        await fixture.Cluster.DeactivateAsync(counter);

        Assert.Equal(3, await counter.Value());
        Assert.Equal("3", await counter.ETag());
        Assert.Equal(3L, await fixture.Database.ScalarAsync<long>(
            "SELECT version FROM grain_state WHERE grain_type = 'counter' AND grain_key = $1 AND state_name = 's'", key));
        Assert.Equal(4, await counter.Increment());
    }

    [Fact]
    public async Task ManyGrainsWritingAtOnceAllPersist()
    {
        var keys = Enumerable.Range(0, 300).Select(i => $"many-{Guid.NewGuid():N}").ToArray();

        await Task.WhenAll(keys.Select(async k =>
        {
            await Client.GetGrain<ICounterGrain>(k).Increment();
            await Client.GetGrain<ICounterGrain>(k).Increment();
        }));

        Assert.Equal(300L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grain_state WHERE grain_type = 'counter' AND grain_key = ANY($1) AND version = 2 AND (state->>'count')::int = 2", (object)keys));
    }

    [Fact]
    public async Task ACorruptedStateFailsItsActivationWithAnErrorNamingTheGrainAndTheSiloCarriesOn()
    {
        var key = $"broken-{Guid.NewGuid():N}";
        await fixture.Database.ExecuteAsync(
            "INSERT INTO grain_state (grain_type, grain_key, state_name, state_type, state, version) VALUES ('counter', $1, 's', 'x', '[1,2,3]', 7)", key);

        var error = await Assert.ThrowsAsync<GrainStateCorruptedException>(() => Client.GetGrain<ICounterGrain>(key).Increment());

        Assert.Contains($"counter/{key}", error.Message, StringComparison.Ordinal);
        Assert.Equal(GrainId.Create("counter", key), error.GrainId);
        await Assert.ThrowsAsync<GrainStateCorruptedException>(() => Client.GetGrain<ICounterGrain>(key).Value());
        Assert.Equal(1, await Client.GetGrain<ICounterGrain>($"healthy-{key}").Increment());
        Assert.Equal(7L, await fixture.Database.ScalarAsync<long>("SELECT version FROM grain_state WHERE grain_type = 'counter' AND grain_key = $1", key));
    }
}
