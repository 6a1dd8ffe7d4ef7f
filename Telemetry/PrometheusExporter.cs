using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansGoRelay.Telemetry;

/// <summary>
/// Listens to the instruments of the named meters and renders them in the Prometheus text format 0.0.4: counters as
/// <c>_total</c>, up-down counters and gauges as gauges, histograms with cumulative buckets (seconds buckets for
/// unit <c>s</c>, byte buckets for <c>By</c>, powers of two otherwise). OpenTelemetry names map as the OpenTelemetry
/// Prometheus exporter maps them: dots become underscores and the unit is appended (<c>gorelay.game.moves</c> with
/// unit <c>{move}</c> is <c>gorelay_game_moves_total</c>; a duration in <c>s</c> is <c>..._seconds</c>).
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] CountBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly HashSet<string> _meters;

    /// <summary>Starts listening to the meters with these names.</summary>
    public PrometheusExporter(params string[] meterNames)
    {
        _meters = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The current figures as Prometheus text.</summary>
    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in _series.GroupBy(s => s.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = group.Key;
            var name = NameOf(instrument);
            var type = instrument switch
            {
                Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
                Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
                _ => "gauge",
            };
            var metric = type == "counter" ? name + "_total" : name;
            text.Append(CultureInfo.InvariantCulture, $"# HELP {metric} {instrument.Description}\n# TYPE {metric} {type}\n");
            foreach (var ((_, labels), series) in group.OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                series.Render(text, metric, labels, type);
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        var series = _series.GetOrAdd((instrument, labels), key => new Series(key.Instrument.Unit == "s" ? SecondsBuckets : CountBuckets));
        var cumulative = instrument is Counter<long> or Counter<int> or Counter<double> or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double>;
        series.Add(value, instrument is Histogram<double> or Histogram<long> or Histogram<int>, cumulative);
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }
        var parts = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var escaped = Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            parts.Add($"{Sanitize(key)}=\"{escaped}\"");
        }
        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    private static string NameOf(Instrument instrument)
    {
        var name = Sanitize(instrument.Name);
        var unit = instrument.Unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            null or "" => "",
            var u when u.StartsWith('{') => "",
            var u => Sanitize(u),
        };
        return unit.Length == 0 || name.EndsWith("_" + unit, StringComparison.Ordinal) ? name : name + "_" + unit;
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }
        return builder.ToString();
    }

    /// <summary>One labelled series: a value (counter or gauge) or a histogram.</summary>
    private sealed class Series(double[] bounds)
    {
        private readonly Lock _lock = new();
        private readonly long[] _buckets = new long[bounds.Length + 1];
        private double _value;
        private double _sum;
        private long _count;

        public void Add(double value, bool histogram, bool cumulative)
        {
            lock (_lock)
            {
                if (histogram)
                {
                    var index = Array.BinarySearch(bounds, value);
                    _buckets[index >= 0 ? index : ~index]++;
                    _sum += value;
                    _count++;
                }
                else
                {
                    _value = cumulative ? _value + value : value;
                }
            }
        }

        public void Render(StringBuilder text, string metric, string labels, string type)
        {
            lock (_lock)
            {
                string With(string extra) => labels.Length == 0 ? (extra.Length == 0 ? "" : "{" + extra + "}") : "{" + labels + (extra.Length == 0 ? "" : "," + extra) + "}";
                if (type != "histogram")
                {
                    text.Append(CultureInfo.InvariantCulture, $"{metric}{With("")} {_value.ToString("R", CultureInfo.InvariantCulture)}\n");
                    return;
                }
                long running = 0;
                for (var i = 0; i < bounds.Length; i++)
                {
                    running += _buckets[i];
                    text.Append(CultureInfo.InvariantCulture, $"{metric}_bucket{With($"le=\"{bounds[i].ToString("R", CultureInfo.InvariantCulture)}\"")} {running}\n");
                }
                text.Append(CultureInfo.InvariantCulture, $"{metric}_bucket{With("le=\"+Inf\"")} {_count}\n");
                text.Append(CultureInfo.InvariantCulture, $"{metric}_sum{With("")} {_sum.ToString("R", CultureInfo.InvariantCulture)}\n");
                text.Append(CultureInfo.InvariantCulture, $"{metric}_count{With("")} {_count}\n");
            }
        }
    }
}
