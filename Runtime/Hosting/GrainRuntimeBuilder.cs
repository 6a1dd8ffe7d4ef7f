using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGoRelay.Runtime.Activation;
using OrleansGoRelay.Runtime.Events;
using OrleansGoRelay.Runtime.Membership;
using OrleansGoRelay.Runtime.Migrations;
using OrleansGoRelay.Runtime.Reminders;
using OrleansGoRelay.Runtime.Singletons;
using OrleansGoRelay.Runtime.Storage;

namespace OrleansGoRelay.Runtime.Hosting;

/// <summary>
/// The PostgreSQL a silo runs on: the data source for grain work, a small separate one for membership, and the
/// schema it needs. Every session of both is named after the silo. Heartbeats get their own pool because a burst
/// of grain writes can queue thousands of commands on the main pool, and a heartbeat stuck behind them would get a
/// live silo declared dead.
/// </summary>
public sealed record PostgresSetup(NpgsqlDataSource DataSource, NpgsqlDataSource MembershipDataSource, IReadOnlyList<Migration> Migrations) : IAsyncDisposable
{
    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await MembershipDataSource.DisposeAsync().ConfigureAwait(false);
        await DataSource.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Configures a silo's grain runtime: grain assemblies, singletons and the providers (PostgreSQL or in memory).</summary>
public sealed class GrainRuntimeBuilder
{
    private readonly List<Assembly> _grainAssemblies = [];

    internal GrainRuntimeBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The silo's services.</summary>
    public IServiceCollection Services { get; }

    internal IReadOnlyList<Assembly> GrainAssemblies => _grainAssemblies;

    /// <summary>Registers every grain class in an assembly.</summary>
    public GrainRuntimeBuilder AddGrains(Assembly assembly)
    {
        _grainAssemblies.Add(assembly);
        return this;
    }

    /// <summary>Registers a job that runs on exactly one live silo.</summary>
    public GrainRuntimeBuilder AddClusterSingleton<TSingleton>() where TSingleton : class, IClusterSingleton
    {
        Services.AddSingleton<IClusterSingleton, TSingleton>();
        return this;
    }

    /// <summary>Changes runtime settings (applied after configuration binding).</summary>
    public GrainRuntimeBuilder Configure(Action<GrainRuntimeOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Runs on PostgreSQL: state, silos table, singleton locks, reminders and LISTEN/NOTIFY.</summary>
    public GrainRuntimeBuilder UsePostgres(string connectionString, IReadOnlyList<Migration> migrations)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        Services.AddSingleton(sp =>
        {
            var silo = sp.GetRequiredService<SiloIdentity>();
            NpgsqlDataSource Build(int? maxPoolSize)
            {
                var builder = new NpgsqlDataSourceBuilder(connectionString);
                // Every session carries the silo's id, so membership can end all of a dead silo's sessions (fencing).
                builder.ConnectionStringBuilder.ApplicationName = PostgresMembershipTable.ApplicationNameOf(silo.SiloId);
                builder.ConnectionStringBuilder.KeepAlive = 5;
                if (maxPoolSize is { } max)
                {
                    builder.ConnectionStringBuilder.MaxPoolSize = max;
                }
                builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
                return builder.Build();
            }
            return new PostgresSetup(Build(null), Build(2), migrations);
        });
        Services.AddSingleton(sp => sp.GetRequiredService<PostgresSetup>().DataSource);
        Services.AddSingleton<IGrainStorage, PostgresGrainStorage>();
        Services.AddSingleton<IMembershipTable>(sp => new PostgresMembershipTable(sp.GetRequiredService<PostgresSetup>().MembershipDataSource));
        Services.AddSingleton<IReminderTable, PostgresReminderTable>();
        Services.AddSingleton<IClusterTransport, PostgresClusterTransport>();
        Services.AddSingleton<ISingletonLocks, PostgresSingletonLocks>();
        Services.AddSingleton<IRuntimeReadiness, PostgresReadiness>();
        return this;
    }

    /// <summary>Runs in memory against a cluster shared by the silos of one process (tests, benchmarks).</summary>
    public GrainRuntimeBuilder UseInMemory(InMemoryCluster cluster)
    {
        Services.AddSingleton(cluster);
        Services.AddSingleton<IGrainStorage, InMemoryGrainStorage>();
        Services.AddSingleton<IMembershipTable, InMemoryMembershipTable>();
        Services.AddSingleton<IReminderTable, InMemoryReminderTable>();
        Services.AddSingleton<IClusterTransport, InMemoryClusterTransport>();
        Services.AddSingleton<ISingletonLocks, InMemorySingletonLocks>();
        Services.AddSingleton<IRuntimeReadiness, AlwaysReady>();
        return this;
    }
}

/// <summary>Adds the grain runtime to a host.</summary>
public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>Adds a silo's grain runtime; choose the providers with <see cref="GrainRuntimeBuilder.UsePostgres"/> or <see cref="GrainRuntimeBuilder.UseInMemory"/>.</summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, Action<GrainRuntimeBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new GrainRuntimeBuilder(services);
        configure(builder);

        services.AddOptions<GrainRuntimeOptions>().BindConfiguration(GrainRuntimeOptions.Section);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value;
            return SiloIdentity.Create(options.SiloName, options.AdvertisedAddress);
        });
        services.AddSingleton(new GrainTypeRegistry(builder.GrainAssemblies));
        services.AddSingleton(sp => new GrainRuntime(
            sp.GetRequiredService<GrainTypeRegistry>(),
            sp.GetRequiredService<IGrainStorage>(),
            sp.GetRequiredService<IReminderTable>(),
            sp,
            sp.GetRequiredService<SiloIdentity>(),
            sp.GetRequiredService<IOptions<GrainRuntimeOptions>>(),
            sp.GetRequiredService<ILogger<GrainRuntime>>()));
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.AddSingleton<ClusterEventBus>();
        services.AddSingleton<IClusterEvents>(sp => sp.GetRequiredService<ClusterEventBus>());
        services.AddSingleton<MembershipService>();
        services.AddSingleton<SingletonHost>();
        services.AddSingleton<ReminderService>();
        services.AddSingleton<SiloLifecycle>();
        services.AddHostedService(sp => sp.GetRequiredService<SiloLifecycle>());
        return services;
    }
}
