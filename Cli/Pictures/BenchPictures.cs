using System.CommandLine;
using OrleansGoRelay.Pictures;

namespace OrleansGoRelay.Cli.Pictures;

/// <summary>One measured layer of a latency figure.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="P50">Median latency, ms.</param>
/// <param name="P99">99th percentile, ms.</param>
internal sealed record LatencyRow(string Name, double P50, double P99);

/// <summary>One bar of a figure of one unit (operations per second, seconds of work).</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Value">Its figure, in the chart's unit.</param>
internal sealed record BarRow(string Name, double Value);

/// <summary>The figures the bench commands write with <c>--png</c>, one look for all of them.</summary>
internal static class BenchPictures
{
    /// <summary>The <c>--png</c> option every bench command that draws takes.</summary>
    public static Option<string?> PngOption() => new("--png") { Description = "Also write the figure as a PNG here" };

    /// <summary>Writes a p50/p99 latency bar chart, one group per layer, and says where on stderr.</summary>
    public static void WriteLatency(string path, string title, IReadOnlyList<LatencyRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var png = Charts.Bars(title, "latency (ms)", [.. rows.Select(r => r.Name)],
            [new BarSeries("p50", [.. rows.Select(r => r.P50)]), new BarSeries("p99", [.. rows.Select(r => r.P99)])]);
        PictureStyle.Save(png, path);
        Console.Error.WriteLine($"wrote {path}");
    }

    /// <summary>Writes a bar chart of one unit, one bar per phase (a reference measured in the same run among them), and says where on stderr.</summary>
    public static void WriteBars(string path, string title, string unit, IReadOnlyList<BarRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var png = Charts.Bars(title, unit, [.. rows.Select(r => r.Name)], [new BarSeries(unit, [.. rows.Select(r => r.Value)])]);
        PictureStyle.Save(png, path);
        Console.Error.WriteLine($"wrote {path}");
    }
}
