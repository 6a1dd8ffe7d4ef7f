using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Serialization;
using OrleansGoRelay.Grains.Hosting;
using OrleansGoRelay.Persistence.GrainStorage;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>
/// In-process Orleans clusters (Orleans.TestingHost) with the product's grains: in memory by default (the fast suite),
/// or on a PostgreSQL test database (stores, ledger and the group-commit grain storage on the real server).
/// </summary>
public static class Clusters
{
    /// <summary>Starts <paramref name="silos"/> silos; <paramref name="services"/> adds to each silo's services (a clock, say).</summary>
    public static async Task<InProcessTestCluster> StartAsync(int silos = 2, PostgresDatabase? database = null, Action<IServiceCollection>? services = null)
    {
        if (database is not null)
        {
            await database.MigrateAsync();
        }
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            if (database is null)
            {
                silo.AddMemoryGrainStorageAsDefault();
            }
            else
            {
                silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(database.ConnectionString));
                silo.AddGroupCommitGrainStorageAsDefault(options => options.JsonSerializerOptions = ApiJson.Options);
            }
            silo.AddMemoryGrainStorage(GrainStorageNames.LowRate);
            silo.AddGoRelayGrains();
            services?.Invoke(silo.Services);
        });
        builder.ConfigureClient(client => client.Services.AddWireRecordSerializer());
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
