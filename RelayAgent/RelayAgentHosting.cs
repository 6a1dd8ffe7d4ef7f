using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OrleansGoRelay.ServiceDefaults;

namespace OrleansGoRelay.RelayAgent;

/// <summary>Wires the relay agent: its link to the cluster, the players' endpoint, health and metrics.</summary>
public static partial class RelayAgentHosting
{
    /// <summary>Registers the agent's services.</summary>
    public static WebApplicationBuilder AddRelayAgent(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RelayAgentOptions>().BindConfiguration(RelayAgentOptions.Section);
        builder.AddGoRelayTelemetry("gorelay-relay", RelayAgentMetrics.MeterName);
        builder.Services.AddSingleton<RelayAgentMetrics>();
        builder.Services.AddSingleton<GatewayLink>();
        builder.Services.AddSingleton<PlayerSessions>();
        builder.Services.AddHostedService<Training.FederatedTrainer>();
        // Every known series at 0 from the start, so a fresh relay's /metrics already lists them.
        builder.Services.AddInitialMeasurements(sp => sp.GetRequiredService<RelayAgentMetrics>().RecordZeros());
        builder.Services.AddHostedService(sp =>
        {
            // The link registers the address players reach, known only once the server listens.
            var link = sp.GetRequiredService<GatewayLink>();
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RelayAgentOptions>>().Value;
            var lifetime = sp.GetRequiredService<IHostApplicationLifetime>();
            lifetime.ApplicationStarted.Register(() =>
            {
                var listening = sp.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1";
                link.Address = options.PublicAddress ?? listening.Replace("http", "ws", StringComparison.Ordinal);
            });
            return new StartAfterListening(link, lifetime, sp.GetRequiredService<ILogger<GatewayLink>>());
        });
        return builder;
    }

    /// <summary>Maps <c>/play</c>, <c>/health</c> and <c>/metrics</c>.</summary>
    public static WebApplication MapRelayAgent(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(10) });
        app.MapGet("/health", () => Results.Ok(new { status = "healthy" }));
        app.MapGoRelayMetrics();
        app.Map("/play", (HttpContext context, PlayerSessions sessions) => sessions.HandleAsync(context));
        return app;
    }

    /// <summary>
    /// Starts the link once the server listens (so the registered address is real). A link that fails for good (a
    /// refused registration: another key holds the relay id) stops the process with exit code 1, not a silent relay.
    /// </summary>
    private sealed partial class StartAfterListening(GatewayLink link, IHostApplicationLifetime lifetime, ILogger logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => _ = RunAsync());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => link.StopAsync(cancellationToken);

        private async Task RunAsync()
        {
            try
            {
                await link.StartAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
                await (link.ExecuteTask ?? Task.CompletedTask).ConfigureAwait(false);
            }
            catch (Exception e) when (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                LogLinkFailed(logger, e, e.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        }

        [LoggerMessage(Level = LogLevel.Critical, Message = "The relay stops: {Reason}")]
        private static partial void LogLinkFailed(ILogger logger, Exception exception, string reason);
    }
}
