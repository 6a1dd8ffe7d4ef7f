using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansGoRelay.RelayAgent;

/// <summary>
/// The relay agent's instruments (meter <c>OrleansGoRelay.Relay</c>), named after OpenTelemetry's conventions and
/// libp2p's circuit relay v2 service family (<c>libp2p_relaysvc_*</c>: reservations and circuits opened and closed,
/// rejections by reason, data transferred, circuit duration in seconds). Here a player connection is a reservation (it
/// takes one of <c>MaxReservations</c>) and the game it carries is its circuit. Every instrument, with its Prometheus
/// name, is in the README's metrics table (which the scrape tests read).
/// </summary>
public sealed class RelayAgentMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansGoRelay.Relay";

    /// <summary>The <c>limit</c> values of <see cref="ReservationRejections"/>, as PlayerSessions names the limits.</summary>
    public static IReadOnlyList<string> RefusalLimits { get; } = ["max_reservations", "max_reservations_per_ip", "max_circuits_per_peer"];

    /// <summary>The <c>direction</c> values of <see cref="Messages"/> and <see cref="DataTransferred"/>: player to cluster, cluster to player.</summary>
    public static IReadOnlyList<string> Directions { get; } = ["up", "down"];

    /// <summary>The <c>type</c> values of <see cref="Reservations"/> and <see cref="Circuits"/> (libp2p's).</summary>
    public static IReadOnlyList<string> Transitions { get; } = ["opened", "closed"];

    private readonly Meter _meter = new(MeterName);
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastCpuAt = Stopwatch.GetTimestamp();

    public RelayAgentMetrics()
    {
        Sessions = _meter.CreateUpDownCounter<long>("gorelay.relay.sessions", "{session}", "Player connections open (reservations held).");
        Reservations = _meter.CreateCounter<long>("gorelay.relay.reservations", "{reservation}", "Player connections given a slot or freed (tag: type = opened, closed).");
        ReservationRejections = _meter.CreateCounter<long>("gorelay.relay.reservation.rejections", "{reservation}", "Player connections refused by a limit (tag: limit).");
        Circuits = _meter.CreateCounter<long>("gorelay.relay.circuits", "{circuit}", "Game circuits opened or closed (tag: type = opened, closed).");
        CircuitDuration = _meter.CreateHistogram<double>("gorelay.relay.circuit.duration", "s", "How long a game circuit stayed open.");
        Messages = _meter.CreateCounter<long>("gorelay.relay.messages", "{message}", "Messages relayed (tag: direction).");
        DataTransferred = _meter.CreateCounter<long>("gorelay.relay.data.transferred", "By", "Bytes relayed over circuits (tag: direction).");
        MoveDuration = _meter.CreateHistogram<double>("gorelay.relay.move.duration", "s", "From a player's move to the cluster's acknowledgement.");
        UplinkReconnects = _meter.CreateCounter<long>("gorelay.relay.uplink.reconnects", "{reconnect}", "Uplink reconnections.");
    }

    public UpDownCounter<long> Sessions { get; }

    public Counter<long> Reservations { get; }

    public Counter<long> ReservationRejections { get; }

    public Counter<long> Circuits { get; }

    public Histogram<double> CircuitDuration { get; }

    public Counter<long> Messages { get; }

    public Counter<long> DataTransferred { get; }

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
            ReservationRejections.Add(0, new KeyValuePair<string, object?>("limit", limit));
        }
        foreach (var type in Transitions)
        {
            Reservations.Add(0, new KeyValuePair<string, object?>("type", type));
            Circuits.Add(0, new KeyValuePair<string, object?>("type", type));
        }
        foreach (var direction in Directions)
        {
            Messages.Add(0, new KeyValuePair<string, object?>("direction", direction));
            DataTransferred.Add(0, new KeyValuePair<string, object?>("direction", direction));
        }
        UplinkReconnects.Add(0);
    }

    public void Dispose() => _meter.Dispose();
}
