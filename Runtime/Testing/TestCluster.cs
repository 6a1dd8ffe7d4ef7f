using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Runtime.Activation;
using OrleansGoRelay.Runtime.Events;
using OrleansGoRelay.Runtime.Hosting;
using OrleansGoRelay.Runtime.Migrations;
using OrleansGoRelay.Runtime.Singletons;

namespace OrleansGoRelay.Runtime.Testing;

/// <summary>How a <see cref="TestCluster"/> is built.</summary>
public sealed class TestClusterOptions
{
    /// <summary>Silos started by <see cref="TestCluster.StartAsync"/>.</summary>
    public int InitialSilos { get; set; } = 2;

    /// <summary>When set, silos run on this PostgreSQL database; otherwise on one shared <see cref="InMemoryCluster"/>.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>The schema applied when running on PostgreSQL.</summary>
    public IReadOnlyList<Migration> Migrations { get; set; } = [];

    /// <summary>Grain assemblies, singletons and runtime settings for every silo.</summary>
    public Action<GrainRuntimeBuilder>? ConfigureRuntime { get; set; }

    /// <summary>Extra services for every silo.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>The lowest log level written to the console (warnings by default, to keep test output readable).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;
}

/// <summary>
/// Several silos in one process, as Orleans.TestingHost offers: each silo has its own services and runtime, and all
/// share either one in-memory cluster or one PostgreSQL database. Silos can be added, stopped gracefully, or killed.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestClusterOptions _options;
    private readonly List<TestClusterSilo> _silos = [];
    private int _nextSilo;

    private TestCluster(TestClusterOptions options)
    {
        _options = options;
        InMemory = options.PostgresConnectionString is null ? new InMemoryCluster() : null;
    }

    /// <summary>The shared in-memory cluster, or null when running on PostgreSQL.</summary>
    public InMemoryCluster? InMemory { get; }

    /// <summary>Every silo started, alive or not.</summary>
    public IReadOnlyList<TestClusterSilo> Silos => _silos;

    /// <summary>A grain factory of the first live silo.</summary>
    public IGrainFactory Client => _silos.First(s => s.IsAlive).GrainFactory;

    /// <summary>Starts a cluster with <see cref="TestClusterOptions.InitialSilos"/> silos.</summary>
    public static async Task<TestCluster> StartAsync(TestClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = new TestCluster(options);
        for (var i = 0; i < options.InitialSilos; i++)
        {
            await cluster.StartSiloAsync().ConfigureAwait(false);
        }

        return cluster;
    }

    /// <summary>Starts one more silo.</summary>
    public async Task<TestClusterSilo> StartSiloAsync()
    {
        var name = $"testsilo{Interlocked.Increment(ref _nextSilo)}";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(_options.LogLevel);
        builder.Services.AddGrainRuntime(runtime =>
        {
            runtime.Configure(o => o.SiloName = name);
            _options.ConfigureRuntime?.Invoke(runtime);
            if (InMemory is not null)
            {
                runtime.UseInMemory(InMemory);
            }
            else
            {
                runtime.UsePostgres(_options.PostgresConnectionString!, _options.Migrations);
            }
        });
        _options.ConfigureServices?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        await host.Services.GetRequiredService<SiloLifecycle>().Started.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        var silo = new TestClusterSilo(host);
        _silos.Add(silo);
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One silo of a <see cref="TestCluster"/>.</summary>
public sealed class TestClusterSilo(IHost host) : IAsyncDisposable
{
    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => host.Services;

    /// <summary>This silo's grain factory: calls made through it run on this silo.</summary>
    public IGrainFactory GrainFactory => host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's identity.</summary>
    public SiloIdentity Identity => host.Services.GetRequiredService<SiloIdentity>();

    /// <summary>Cluster events as seen by this silo.</summary>
    public IClusterEvents Events => host.Services.GetRequiredService<IClusterEvents>();

    /// <summary>The singletons this silo runs now.</summary>
    public IReadOnlyList<string> HeldSingletons => host.Services.GetRequiredService<SingletonHost>().Held;

    /// <summary>How many activations this silo holds.</summary>
    public int ActivationCount => host.Services.GetRequiredService<GrainRuntime>().ActivationCount;

    /// <summary>Whether the silo was neither stopped nor killed.</summary>
    public bool IsAlive { get; private set; } = true;

    /// <summary>Graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (!IsAlive)
        {
            return;
        }

        IsAlive = false;
        await host.StopAsync().ConfigureAwait(false);
    }

    /// <summary>A crash: no deactivation, no status written, locks and connections dropped.</summary>
    public async Task KillAsync()
    {
        if (!IsAlive)
        {
            return;
        }

        IsAlive = false;
        await host.Services.GetRequiredService<SiloLifecycle>().AbortAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (IsAlive)
        {
            await StopAsync().ConfigureAwait(false);
        }

        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }
}
