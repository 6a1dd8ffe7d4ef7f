using ScottPlot;

namespace OrleansGoRelay.Pictures;

/// <summary>One line of a line chart.</summary>
/// <param name="Label">Its legend entry.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values (as many as <paramref name="X"/>).</param>
public sealed record LineSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>One group member of a bar chart: a value per category.</summary>
/// <param name="Label">Its legend entry.</param>
/// <param name="Values">One value per category, in the categories' order.</param>
public sealed record BarSeries(string Label, IReadOnlyList<double> Values);

/// <summary>The charts the tools write (learning curves, benchmark figures), all in <see cref="PictureStyle"/>.</summary>
public static class Charts
{
    /// <summary>Lines with markers, a legend when there is more than one line.</summary>
    public static byte[] Lines(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series, int width = 900, int height = 540)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = PictureStyle.NewPlot(title);
        for (var i = 0; i < series.Count; i++)
        {
            var line = plot.Add.Scatter(series[i].X.ToArray(), series[i].Y.ToArray(), PictureStyle.Series[i % PictureStyle.Series.Count]);
            line.LegendText = series[i].Label;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 1)
        {
            plot.ShowLegend(Alignment.LowerRight);
        }
        return PictureStyle.Png(plot, width, height);
    }

    /// <summary>Grouped horizontal bars: one group per category (labelled on the left), one bar per series, values printed at the bars' ends.</summary>
    public static byte[] Bars(string title, string valueLabel, IReadOnlyList<string> categories, IReadOnlyList<BarSeries> series, int width = 1000, int? height = null)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(series);
        var plot = PictureStyle.NewPlot(title);
        var groupWidth = 0.8;
        var barWidth = groupWidth / Math.Max(1, series.Count);
        var ticks = new List<Tick>();
        var largest = series.SelectMany(s => s.Values).DefaultIfEmpty(1).Max();
        for (var c = 0; c < categories.Count; c++)
        {
            // The first category on top, as a table reads.
            var centre = categories.Count - 1 - c;
            ticks.Add(new Tick(centre, categories[c]));
            for (var s = 0; s < series.Count; s++)
            {
                var position = centre + groupWidth / 2 - barWidth * (s + 0.5);
                var value = series[s].Values[c];
                var bar = new Bar
                {
                    Position = position,
                    Value = value,
                    Size = barWidth * 0.9,
                    FillColor = PictureStyle.Series[s % PictureStyle.Series.Count],
                    Orientation = Orientation.Horizontal,
                    Label = value.ToString(value >= 10 ? "0.#" : "0.00", System.Globalization.CultureInfo.InvariantCulture),
                };
                plot.Add.Bar(bar);
            }
        }
        for (var s = 0; s < series.Count; s++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Label, FillColor = PictureStyle.Series[s % PictureStyle.Series.Count] });
        }
        // Outside the data area: a legend inside would cover the longest bar's label.
        plot.ShowLegend(Edge.Right);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Margins(left: 0, right: 0.15);
        plot.Axes.SetLimitsX(0, largest * 1.15);
        plot.XLabel(valueLabel);
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
        foreach (var bars in plot.GetPlottables<ScottPlot.Plottables.BarPlot>())
        {
            bars.ValueLabelStyle.FontSize = 12;
        }
        return PictureStyle.Png(plot, width, height ?? Math.Max(300, 120 + 34 * categories.Count * Math.Max(1, series.Count)));
    }
}
