using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Gateway.Cluster;
using OrleansGoRelay.Gateway.Dashboard;
using OrleansGoRelay.Gateway.Events;
using OrleansGoRelay.Gateway.Federated;
using OrleansGoRelay.Gateway.Games;
using OrleansGoRelay.Gateway.Inference;
using OrleansGoRelay.Gateway.Ledger;
using OrleansGoRelay.Gateway.ModelContext;
using OrleansGoRelay.Gateway.Marketplace;
using OrleansGoRelay.Gateway.Players;
using OrleansGoRelay.Gateway.Relays;
using OrleansGoRelay.ServiceDefaults;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>The hosting defaults every process serving the gateway shares: health, telemetry, problem details, OpenAPI, auth.</summary>
public static class GatewayHosting
{
    /// <summary>Registers the gateway's services.</summary>
    public static IHostApplicationBuilder AddGatewayDefaults(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        // Every problem carries the contract's `code`, the framework's own refusals included (unknown route, wrong
        // method, missing content type, a body that is not JSON or of the wrong type, a bad query value).
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = FrameworkProblems.AddCode);
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<GrainExceptionHandler>();
        builder.AddGoRelayTelemetry("gorelay-silo");
        builder.Services.AddOpenApi("v1");
        builder.AddRequestLimits();
        builder.Services.AddHealthChecks().AddCheck<SiloReadinessCheck>("silo", tags: ["ready"]);
        builder.Services.AddSingleton<GameEventHub>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<GameEventHub>());
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section);
        builder.Services.AddSingleton<OperatorAuthorization>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RelayAuthentication>();
        builder.Services.AddSingleton<RelayUplinkHub>();
        builder.Services.AddSingleton<ClusterEventFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterEventFeed>());
        builder.AddGoRelayMcp();
        // Enums travel as the snake_case names the database and the API documents use ("playing", "healthy"), and a
        // number is a JSON number: "100" is not an amount.
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(ApiJson.Enums);
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        return builder;
    }

    /// <summary>Maps health, OpenAPI and every API group.</summary>
    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestLimits();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        // Liveness checks nothing outside the process: a database outage must not get healthy pods restarted.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGoRelayMetrics().WithTags("Operations").WithSummary("Prometheus scrape of the product's, Orleans' and ASP.NET Core's meters.");
        app.MapOperatorDashboard();
        app.MapDashboardApi();
        app.MapClusterApi();
        app.MapLedgerApi();
        app.MapSubsidyPoolApi();
        app.MapStampsApi();
        app.MapRelaysApi();
        app.MapRelayEconomicsApi();
        app.MapRelayUplinkApi();
        app.MapGamesApi();
        app.MapPlayersApi();
        app.MapEventsApi();
        app.MapFederatedApi();
        app.MapModelsApi();
        app.MapStakeApi();
        app.MapInferenceApi();
        app.MapGoRelayMcp();
        return app;
    }
}

/// <summary>Gateway settings (configuration section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gateway";

    /// <summary>The operator bearer token.</summary>
    public string? OperatorToken { get; set; }

    /// <summary>A file holding the operator token (what ./run.sh writes), read when <see cref="OperatorToken"/> is empty.</summary>
    public string? OperatorTokenFile { get; set; }
}
