using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Serialization;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Players;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Hosting;

/// <summary>Adds the product's grains and the services they run on to a silo.</summary>
public static class GrainsHosting
{
    /// <summary>
    /// The grains' services: their stores (PostgreSQL when an <see cref="NpgsqlDataSource"/> is registered, otherwise
    /// in memory, for in-process test clusters), the cluster event log, the conflict retry filter, the game event sink cache and the keeper
    /// of the cluster singletons (failover coordinator, pending-transfer expirer).
    /// </summary>
    public static ISiloBuilder AddGoRelayGrains(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddIncomingGrainCallFilter<ConflictRetryFilter>();
        var services = silo.Services;
        services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.Section);
        services.AddOptions<FederatedOptions>().BindConfiguration(FederatedOptions.Section);
        services.AddOptions<Inference.InferenceOptions>().BindConfiguration(Inference.InferenceOptions.Section);
        services.AddWireRecordSerializer();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GameEventSinks>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SingletonKeeper>();
        services.TryAddSingleton<ILedgerStore>(sp => sp.GetService<NpgsqlDataSource>() is { } postgres
            ? new PostgresLedgerStore(postgres, sp.GetRequiredService<TimeProvider>())
            : new InMemoryLedgerStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRelayStore>(sp => sp.GetService<NpgsqlDataSource>() is { } postgres
            ? new PostgresRelayStore(postgres)
            : new InMemoryRelayStore());
        services.TryAddSingleton<IPlayerDirectory>(sp => sp.GetService<NpgsqlDataSource>() is { } postgres
            ? new PostgresPlayerDirectory(postgres)
            : new InMemoryPlayerDirectory());
        services.TryAddSingleton<IStampStore>(sp => sp.GetService<NpgsqlDataSource>() is { } postgres
            ? new PostgresStampStore(postgres)
            : new InMemoryStampStore(sp.GetRequiredService<IRelayStore>()));
        services.TryAddSingleton<IClusterEventLog>(sp => sp.GetService<NpgsqlDataSource>() is { } postgres
            ? new PostgresClusterEventLog(postgres, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresClusterEventLog>>())
            : new InMemoryClusterEventLog(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IFederatedStore>(sp => sp.GetService<NpgsqlDataSource>() is { } postgres
            ? new PostgresFederatedStore(postgres)
            : new InMemoryFederatedStore(sp.GetRequiredService<IRelayStore>()));
        services.TryAddSingleton<FederatedModels>();
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<GameRewards>();
        services.TryAddSingleton<RoundSettlement>();
        services.TryAddSingleton<Inference.InferenceModels>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Inference.InferenceWarmUp>();
        return silo;
    }
}
