using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansGoRelay.RelayAgent;

/// <summary>The relay agent's instruments (meter <c>OrleansGoRelay.Relay</c>), exported at its own <c>/metrics</c>.</summary>
public sealed class RelayAgentMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansGoRelay.Relay";

    private readonly Meter _meter = new(MeterName);
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastCpuAt = Stopwatch.GetTimestamp();

    public RelayAgentMetrics()
    {
        Sessions = _meter.CreateUpDownCounter<long>("gorelay.relay.sessions", "{session}", "Player connections open.");
        Refused = _meter.CreateCounter<long>("gorelay.relay.refused", "{session}", "Player connections refused by a limit (tag: limit).");
        Messages = _meter.CreateCounter<long>("gorelay.relay.messages", "{message}", "Messages relayed (tag: direction).");
        Bytes = _meter.CreateCounter<long>("gorelay.relay.bytes", "By", "Bytes relayed.");
        MoveDuration = _meter.CreateHistogram<double>("gorelay.relay.move.duration", "s", "From a player's move to the cluster's acknowledgement.");
        UplinkReconnects = _meter.CreateCounter<long>("gorelay.relay.uplink.reconnects", "{reconnect}", "Uplink reconnections.");
    }

    public UpDownCounter<long> Sessions { get; }

    public Counter<long> Refused { get; }

    public Counter<long> Messages { get; }

    public Counter<long> Bytes { get; }

    public Histogram<double> MoveDuration { get; }

    public Counter<long> UplinkReconnects { get; }

    /// <summary>The last heartbeat's round trip, reported as the relay's latency.</summary>
    public double LastRoundTripMs { get; private set; }

    public void RecordRoundTrip(double ms) => LastRoundTripMs = ms;

    /// <summary>CPU use of this process since the last call, in percent of one core.</summary>
    public double CpuPercent()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var now = Stopwatch.GetTimestamp();
        var wall = Stopwatch.GetElapsedTime(_lastCpuAt, now).TotalMilliseconds;
        var used = (cpu - _lastCpu).TotalMilliseconds;
        (_lastCpu, _lastCpuAt) = (cpu, now);
        return wall <= 0 ? 0 : Math.Round(100 * used / wall, 1);
    }

    public void Dispose() => _meter.Dispose();
}
