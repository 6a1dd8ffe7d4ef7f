using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Players;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Runtime.Hosting;

namespace OrleansGoRelay.Grains;

/// <summary>Adds the product's grains and the helpers they run on to a silo.</summary>
public static class GrainsHosting
{
    /// <summary>
    /// The product grains, their stores (PostgreSQL when the runtime uses it, otherwise in memory), the ledger's
    /// pending-transfer expirer and the relay health monitor.
    /// </summary>
    public static GrainRuntimeBuilder AddGoRelayGrains(this GrainRuntimeBuilder runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        runtime.AddGrains(GrainsSchema.Assembly);
        runtime.AddClusterSingleton<PendingTransferExpirer>();
        runtime.AddClusterSingleton<RelayHealthMonitor>();
        runtime.Services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.Section);
        runtime.Services.TryAddSingleton(TimeProvider.System);
        runtime.Services.TryAddSingleton<ILedgerStore>(sp => sp.GetService<PostgresSetup>() is { } postgres
            ? new PostgresLedgerStore(postgres.DataSource, sp.GetRequiredService<TimeProvider>())
            : new InMemoryLedgerStore(sp.GetRequiredService<TimeProvider>()));
        runtime.Services.TryAddSingleton<IRelayStore>(sp => sp.GetService<PostgresSetup>() is { } postgres
            ? new PostgresRelayStore(postgres.DataSource)
            : new InMemoryRelayStore());
        runtime.Services.TryAddSingleton<IPlayerDirectory>(sp => sp.GetService<PostgresSetup>() is { } postgres
            ? new PostgresPlayerDirectory(postgres.DataSource)
            : new InMemoryPlayerDirectory());
        runtime.Services.TryAddSingleton<IStampStore>(sp => sp.GetService<PostgresSetup>() is { } postgres
            ? new PostgresStampStore(postgres.DataSource)
            : new InMemoryStampStore(sp.GetRequiredService<IRelayStore>()));
        return runtime;
    }
}
