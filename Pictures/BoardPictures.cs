using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Rules;
using Color = ScottPlot.Color;
using Point = OrleansGoRelay.Go.Rules.Point;
using ScottPlot;

namespace OrleansGoRelay.Pictures;

/// <summary>
/// A board map (<see cref="BoardMaps"/>) as a picture: the values as coloured cells under the board's grid, the
/// position's stones on top (smaller than the cells, so the colour shows around them), GTP coordinates on the axes,
/// a colour bar and a title. Moves use a sequential scale (early dark, late bright); influence a diverging one whose
/// ends are Black's (blue, +1) and White's (orange, −1) with wood in the middle.
/// </summary>
public static class BoardPictures
{
    /// <summary>The colour of Black's end of the influence scale.</summary>
    public static Color BlackSide { get; } = Color.FromHex("#1F4E9A");

    /// <summary>The colour of White's end of the influence scale.</summary>
    public static Color WhiteSide { get; } = Color.FromHex("#D55E00");

    /// <summary>The board's wood, also the neutral middle of the influence scale and the colour of points without a value.</summary>
    public static Color Wood { get; } = Color.FromHex("#EBD3A0");

    private const double StoneRadius = 0.3;

    /// <summary>The picture of a record's map: the players, what is shown and after which move, as the title says.</summary>
    public static byte[] Png(OrleansGoRelay.Go.Records.GameRecord record, BoardMap map, int pixels = 760)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(map);
        var what = map.Kind == BoardMapKind.Influence ? "influence (blue Black's, orange White's)" : "moves (colour: when each point was first played)";
        return Png(map, $"{record.Black ?? "Black"} vs {record.White ?? "White"}: {what}, after move {map.MoveNumber}", pixels);
    }

    /// <summary>The map as a PNG, <paramref name="pixels"/> high (and a colour bar's width more wide).</summary>
    public static byte[] Png(BoardMap map, string title, int pixels = 760)
    {
        ArgumentNullException.ThrowIfNull(map);
        var size = map.Board.Size;
        var plot = PictureStyle.NewPlot(title);
        var cells = new double[size, size];
        for (var row = 0; row < size; row++)
        {
            for (var column = 0; column < size; column++)
            {
                cells[row, column] = map.Values[row * size + column];
            }
        }
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = map.Kind == BoardMapKind.Influence
            ? new ScottPlot.Colormaps.CustomInterpolated([WhiteSide, Wood, BlackSide])
            : new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(map.Minimum, map.Maximum);
        heatmap.NaNCellColor = Wood;
        // Row 0 of the map is the top row; cell centres sit on the grid's intersections.
        heatmap.Rectangle = new CoordinateRect(-0.5, size - 0.5, -0.5, size - 0.5);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = map.ScaleLabel;

        var grid = Color.FromHex("#3A3A3A").WithAlpha(0.55);
        for (var i = 0; i < size; i++)
        {
            var vertical = plot.Add.Line(i, 0, i, size - 1);
            vertical.Color = grid;
            vertical.LineWidth = 1;
            var horizontal = plot.Add.Line(0, i, size - 1, i);
            horizontal.Color = grid;
            horizontal.LineWidth = 1;
        }
        foreach (var index in map.Board.Indices())
        {
            if (map.Board[index] is not (Stone.Black or Stone.White))
            {
                continue;
            }
            var point = map.Board.PointOf(index);
            var black = map.Board[index] == Stone.Black;
            var stone = plot.Add.Circle(point.X, size - 1 - point.Y, StoneRadius);
            stone.FillColor = black ? Colors.Black : Colors.White;
            stone.LineColor = black ? Colors.White : Colors.Black;
            stone.LineWidth = 1;
        }

        var columns = Enumerable.Range(0, size).Select(x => new Tick(x, new Point(x, 0).ToGtp(size)[..1])).ToArray();
        var rows = Enumerable.Range(0, size).Select(y => new Tick(y, (y + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(columns);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(rows);
        plot.HideGrid();
        plot.Axes.SetLimits(-0.6, size - 0.4, -0.6, size - 0.4);
        plot.Axes.SquareUnits();
        return PictureStyle.Png(plot, pixels + 140, pixels);
    }
}
