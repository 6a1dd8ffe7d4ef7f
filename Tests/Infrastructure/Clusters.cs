using OrleansGoRelay.Grains;
using OrleansGoRelay.Runtime.Hosting;
using OrleansGoRelay.Runtime.Testing;
using OrleansGoRelay.TestSilo;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>The two providers every runtime semantic is tested on.</summary>
public enum Provider
{
    InMemory,
    Postgres,
}

/// <summary>Builds in-process test clusters with the test grains.</summary>
public static class Clusters
{
    public static Task<TestCluster> StartAsync(Provider provider, PostgresDatabase database, int silos = 2, Action<GrainRuntimeOptions>? configure = null, bool withSingleton = false) =>
        TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = silos,
            PostgresConnectionString = provider == Provider.Postgres ? database.ConnectionString : null,
            Migrations = GrainsSchema.Migrations,
            ConfigureServices = services => services.AddSingleton<ProbeLog>(),
            ConfigureRuntime = runtime =>
            {
                runtime.AddGrains(typeof(ICounterGrain).Assembly);
                if (withSingleton)
                {
                    runtime.AddClusterSingleton<HolderRecorder>();
                }

                if (configure is not null)
                {
                    runtime.Configure(configure);
                }
            },
        });

    public static TheoryData<Provider> Providers => new() { Provider.InMemory, Provider.Postgres };
}
