using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansGoRelay.RelayAgent;

/// <summary>
/// The relay agent's instruments (meter <c>OrleansGoRelay.Relay</c>), exported at its own <c>/metrics</c> as
/// <c>gorelay_relay_sessions</c> (gauge), <c>gorelay_relay_refused_total{limit}</c>,
/// <c>gorelay_relay_messages_total{direction}</c>, <c>gorelay_relay_bytes_total</c>,
/// <c>gorelay_relay_move_duration_seconds</c> (histogram) and <c>gorelay_relay_uplink_reconnects_total</c>.
/// </summary>
public sealed class RelayAgentMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansGoRelay.Relay";

    /// <summary>The <c>limit</c> values of <see cref="Refused"/>, as PlayerSessions names the limits.</summary>
    public static IReadOnlyList<string> RefusalLimits { get; } = ["max_reservations", "max_reservations_per_ip", "max_circuits_per_peer"];

    /// <summary>The <c>direction</c> values of <see cref="Messages"/>: player to cluster, cluster to player.</summary>
    public static IReadOnlyList<string> Directions { get; } = ["up", "down"];

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

    /// <summary>
    /// Adds 0 to every counter series (each label value), so that a fresh relay's scrape lists them at 0: an
    /// instrument that never recorded is not exported. Run once the meter provider listens.
    /// </summary>
    public void RecordZeros()
    {
        Sessions.Add(0);
        foreach (var limit in RefusalLimits)
        {
            Refused.Add(0, new KeyValuePair<string, object?>("limit", limit));
        }
        foreach (var direction in Directions)
        {
            Messages.Add(0, new KeyValuePair<string, object?>("direction", direction));
        }
        Bytes.Add(0);
        UplinkReconnects.Add(0);
    }

    public void Dispose() => _meter.Dispose();
}
