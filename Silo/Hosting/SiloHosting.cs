using System.Net;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Hosting;
using OrleansGoRelay.Persistence.GrainStorage;
using OrleansGoRelay.ServiceDefaults;

namespace OrleansGoRelay.Silo.Hosting;

/// <summary>The silo process: Orleans on PostgreSQL, the product's grains, and the gateway co-hosted in it.</summary>
public static class SiloHosting
{
    /// <summary>The ADO.NET providers' name for Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Failure detection, tuned (see the README's runtime section): a silo probes others every second and suspects one
    /// after 3 missed probes, which found a SIGKILLed silo dead in about 2.5 s here, against 11–18 s with Orleans'
    /// defaults; 0.5 s probes declared a healthy silo dead under load.
    /// </summary>
    public static void TuneMembership(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 3;
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        options.DefunctSiloExpiration = TimeSpan.FromHours(1);
    }

    /// <summary>Adds the silo (and the gateway it hosts) to a web application; <paramref name="configure"/> adds to the silo (test hosts add their grains' needs).</summary>
    public static WebApplicationBuilder AddGoRelaySilo(this WebApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("Set ConnectionStrings:Postgres (env ConnectionStrings__Postgres).");
        var settings = builder.Configuration.GetSection(SiloSettings.Section).Get<SiloSettings>() ?? new SiloSettings();
        builder.AddGatewayDefaults();
        // Every counter of the product's meter at 0 from the first scrape (an instrument never recorded is not exported).
        builder.Services.AddInitialMeasurements(_ => GoRelayMeter.RecordZeros());
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaGate>();
        // The silo's start waits for PostgreSQL and the schema (SchemaGate); the web server starts beside it, so
        // /health/live answers meanwhile and /health/ready tells the truth.
        builder.Services.Configure<HostOptions>(options => options.ServicesStartConcurrently = true);
        builder.UseOrleans(silo =>
        {
            // The Kubernetes package refuses to start outside a pod; inside one it takes names and addresses from it.
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")))
            {
                // Names, ids and the advertised address come from the pod (POD_NAME, POD_IP, ORLEANS_*); the ports from settings.
                silo.UseKubernetesHosting();
                silo.Configure<EndpointOptions>(endpoints =>
                {
                    endpoints.SiloPort = settings.SiloPort;
                    endpoints.GatewayPort = settings.GatewayPort;
                });
            }
            else
            {
                silo.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = settings.ClusterId;
                    cluster.ServiceId = settings.ServiceId;
                });
                silo.Configure<SiloOptions>(options => options.SiloName = settings.SiloName ?? Environment.MachineName);
                silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedAddress), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            }
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = connectionString;
            });
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = connectionString;
            });
            silo.AddGroupCommitGrainStorageAsDefault(options => options.JsonSerializerOptions = ApiJson.Options);
            silo.AddAdoNetGrainStorage(GrainStorageNames.LowRate, options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = connectionString;
            });
            // Orleans' own serializer rather than the provider's default (Newtonsoft JSON naming .NET types, which a
            // renamed class stops reading): low-rate state holds grain references and [GenerateSerializer] records.
            silo.Services.AddOptions<AdoNetGrainStorageOptions>(GrainStorageNames.LowRate)
                .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
            silo.Configure<ClusterMembershipOptions>(TuneMembership);
            silo.AddActivityPropagation();
            silo.AddDashboard();
            silo.AddGoRelayGrains();
            configure?.Invoke(silo);
        });
        return builder;
    }
}
