using System.Diagnostics.Metrics;

namespace OrleansGoRelay.Grains.Relays;

/// <summary>The relay federation's instruments (meter <c>OrleansGoRelay</c>, OpenTelemetry naming).</summary>
public static class RelayMetrics
{
    /// <summary>How long moving a dead relay's sessions took.</summary>
    public static readonly Histogram<double> FailoverDuration = GoRelayMeter.Meter.CreateHistogram<double>("gorelay.relay.failover.duration", "s", "Time to move every session off a dead relay.");

    /// <summary>Player sessions moved off dead relays.</summary>
    public static readonly Counter<long> SessionsMoved = GoRelayMeter.Meter.CreateCounter<long>("gorelay.relay.failover.sessions", "{session}", "Player sessions moved off dead relays.");
}
