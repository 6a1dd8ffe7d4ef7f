namespace OrleansGoRelay.ServiceDefaults;

/// <summary>What <see cref="GoRelayTelemetry.AddGoRelayTelemetry(Microsoft.Extensions.Hosting.IHostApplicationBuilder, Action{GoRelayTelemetryOptions})"/> sets up beyond the defaults.</summary>
public sealed class GoRelayTelemetryOptions
{
    /// <summary>
    /// The service name (<c>service.name</c>, the <c>job</c> a Prometheus user sees in <c>target_info</c>) when
    /// <c>OTEL_SERVICE_NAME</c> is not configured; <see langword="null"/>: the application's name.
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>Meters to export besides the defaults (<see cref="GoRelayTelemetry.DefaultMeters"/>); <c>*</c> is a wildcard.</summary>
    public IList<string> Meters { get; } = [];

    /// <summary>Activity sources to trace besides the defaults (<see cref="GoRelayTelemetry.DefaultActivitySources"/>); <c>*</c> is a wildcard.</summary>
    public IList<string> ActivitySources { get; } = [];
}
