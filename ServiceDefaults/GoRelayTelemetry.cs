using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrleansGoRelay.ServiceDefaults;

/// <summary>
/// The observability every process of the product shares (silo + gateway, relay agent), in one call:
/// <see cref="AddGoRelayTelemetry(IHostApplicationBuilder, string?, string[])"/> on the builder and
/// <see cref="MapGoRelayMetrics"/> on the application.
/// <list type="bullet">
/// <item>Metrics, always, scraped at <see cref="MetricsPath"/> in the Prometheus text format: the product's meters
/// (<c>OrleansGoRelay</c>, <c>OrleansGoRelay.*</c>), Orleans (<c>Microsoft.Orleans</c>), ASP.NET Core and Kestrel,
/// HttpClient, the .NET runtime and process (<c>System.Runtime</c>: always present, so a fresh process's scrape is
/// never empty) and Npgsql. OpenTelemetry names become Prometheus names the usual way: dots to underscores, the unit
/// appended (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>{...}</c> dropped), <c>_total</c> on counters.
/// No <c>otel_scope_*</c> labels: the product's names are unique by their <c>gorelay_</c> prefix.</item>
/// <item>Traces (ASP.NET Core, HttpClient, Npgsql, Orleans, the product) and, besides the scrape, metrics and logs over
/// OTLP, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured (environment or any configuration source;
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c> and the other <c>OTEL_*</c> settings apply).</item>
/// </list>
/// This assembly references neither Orleans nor Npgsql (the relay agent must load neither): their meters and
/// activity sources are enabled by name, exactly what their own OpenTelemetry extensions would add.
/// </summary>
public static class GoRelayTelemetry
{
    /// <summary>The scraping path. Never put it behind a rate limiter or authentication that a scraper lacks.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The product's meters: <c>OrleansGoRelay</c> (grains) and every <c>OrleansGoRelay.*</c> (the relay agent's <c>OrleansGoRelay.Relay</c>).</summary>
    public const string ProductMeterName = "OrleansGoRelay";

    /// <summary>The meter Orleans' instruments belong to.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Npgsql's meter and activity source.</summary>
    public const string NpgsqlName = "Npgsql";

    /// <summary>The setting that turns on OTLP export (traces, metrics, logs).</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The setting that names the service, ahead of the name passed in code.</summary>
    public const string ServiceNameSetting = "OTEL_SERVICE_NAME";

    /// <summary>
    /// Bucket bounds, in seconds, of the product's histograms whose unit is <c>s</c> (OpenTelemetry's default buckets
    /// are meant for milliseconds): 0.5 ms to 30 s.
    /// </summary>
    public static IReadOnlyList<double> SecondsBuckets { get; } = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>The meters always exported (the ASP.NET Core, HttpClient and runtime ones come with their instrumentation).</summary>
    public static IReadOnlyList<string> DefaultMeters { get; } = [ProductMeterName, ProductMeterName + ".*", OrleansMeterName, NpgsqlName];

    /// <summary>
    /// The activity sources traced when OTLP is on, besides ASP.NET Core's and HttpClient's: the product's, Npgsql's
    /// and Orleans' (as named in Orleans 10.4.2's <c>Orleans.Diagnostics.ActivitySources</c>; Orleans propagates trace
    /// context across grain calls only when the silo and client builders call <c>AddActivityPropagation()</c>).
    /// </summary>
    public static IReadOnlyList<string> DefaultActivitySources { get; } =
    [
        ProductMeterName, ProductMeterName + ".*", NpgsqlName,
        "Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Lifecycle", "Microsoft.Orleans.Storage",
    ];

    /// <summary>Registers the product's telemetry; see <see cref="GoRelayTelemetry"/>.</summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="serviceName">The service name when <c>OTEL_SERVICE_NAME</c> is not set (<see langword="null"/>: the application's name).</param>
    /// <param name="extraMeters">Meters to export besides <see cref="DefaultMeters"/>.</param>
    public static IHostApplicationBuilder AddGoRelayTelemetry(this IHostApplicationBuilder builder, string? serviceName, params string[] extraMeters) =>
        builder.AddGoRelayTelemetry(options =>
        {
            options.ServiceName = serviceName;
            foreach (var meter in extraMeters ?? [])
            {
                options.Meters.Add(meter);
            }
        });

    /// <summary>Registers the product's telemetry; see <see cref="GoRelayTelemetry"/>. A second call only adds its meters and sources.</summary>
    public static IHostApplicationBuilder AddGoRelayTelemetry(this IHostApplicationBuilder builder, Action<GoRelayTelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new GoRelayTelemetryOptions();
        configure?.Invoke(options);
        var services = builder.Services;
        if (services.Any(s => s.ServiceType == typeof(Registered)))
        {
            services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter([.. options.Meters]));
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource([.. options.ActivitySources]));
            return builder;
        }
        services.AddSingleton<Registered>();

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]);
        var name = builder.Configuration[ServiceNameSetting] is { Length: > 0 } configured ? configured
            : options.ServiceName ?? builder.Environment.ApplicationName;
        var version = (Assembly.GetEntryAssembly() ?? typeof(GoRelayTelemetry).Assembly)
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(name, serviceVersion: version))
            .WithMetrics(metrics => metrics
                .AddMeter([.. DefaultMeters, .. options.Meters])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddView(SecondsHistogram)
                .AddPrometheusExporter(prometheus => prometheus.ScopeInfoEnabled = false));
        if (otlp)
        {
            AddOtlp(telemetry, options);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InitialMeasurementsService>());
        return builder;
    }

    /// <summary>
    /// Runs <paramref name="record"/> once at start (a hosted service), as soon as the meter provider listens: the place to record a zero on every counter series a process knows of (each label value), so that
    /// <c>/metrics</c> on a fresh process shows them at 0 rather than leaving them out (an instrument that recorded
    /// nothing is not exported). Measurements made before the provider listens are lost, hence this hook.
    /// </summary>
    public static IServiceCollection AddInitialMeasurements(this IServiceCollection services, Action<IServiceProvider> record)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(record);
        services.AddSingleton(new InitialMeasurements(record));
        return services;
    }

    /// <summary>
    /// Maps <see cref="MetricsPath"/> to the Prometheus scrape (text format 0.0.4, or OpenMetrics when the scraper asks);
    /// its own requests are left out of the HTTP metrics.
    /// </summary>
    public static IEndpointConventionBuilder MapGoRelayMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPrometheusScrapingEndpoint(MetricsPath).DisableHttpMetrics();
    }

    /// <summary>Whether a path is an operations path (metrics, health) that traces leave out.</summary>
    public static bool IsOperations(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.Ordinal) || path.StartsWithSegments("/health", StringComparison.Ordinal);

    /// <summary>Traces, and OTLP export of every signal; a method of its own so that without OTLP its assemblies never load.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOtlp(IOpenTelemetryBuilder telemetry, GoRelayTelemetryOptions options) =>
        telemetry
            .WithTracing(tracing => tracing
                .AddSource([.. DefaultActivitySources, .. options.ActivitySources])
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = http => !IsOperations(http.Request.Path))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();

    private static MetricStreamConfiguration? SecondsHistogram(Instrument instrument) =>
        instrument is Histogram<double> or Histogram<float> or Histogram<long> or Histogram<int>
        && instrument.Unit == "s"
        && instrument.Meter.Name.StartsWith(ProductMeterName, StringComparison.Ordinal)
            ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. SecondsBuckets] }
            : null;

    /// <summary>Marks that the telemetry is registered.</summary>
    private sealed class Registered;

    /// <summary>One <see cref="AddInitialMeasurements"/> callback.</summary>
    private sealed class InitialMeasurements(Action<IServiceProvider> record)
    {
        public void Record(IServiceProvider services) => record(services);
    }

    /// <summary>Builds the meter provider (so it listens), then runs the initial measurements.</summary>
    private sealed class InitialMeasurementsService(IServiceProvider services, IEnumerable<InitialMeasurements> initial) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetService<MeterProvider>();
            foreach (var measurements in initial)
            {
                measurements.Record(services);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
