using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Runtime.Hosting;

namespace OrleansGoRelay.Grains;

/// <summary>Adds the product's grains and the helpers they run on to a silo.</summary>
public static class GrainsHosting
{
    /// <summary>
    /// The product grains, the ledger store (PostgreSQL when the runtime uses it, otherwise in memory) and the
    /// ledger's pending-transfer expirer.
    /// </summary>
    public static GrainRuntimeBuilder AddGoRelayGrains(this GrainRuntimeBuilder runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        runtime.AddGrains(GrainsSchema.Assembly);
        runtime.AddClusterSingleton<PendingTransferExpirer>();
        runtime.Services.TryAddSingleton(TimeProvider.System);
        runtime.Services.TryAddSingleton<ILedgerStore>(sp => sp.GetService<PostgresSetup>() is { } postgres
            ? new PostgresLedgerStore(postgres.DataSource, sp.GetRequiredService<TimeProvider>())
            : new InMemoryLedgerStore(sp.GetRequiredService<TimeProvider>()));
        return runtime;
    }
}
