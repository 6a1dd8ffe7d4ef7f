using ScottPlot;

namespace OrleansGoRelay.Pictures;

/// <summary>
/// The one look of the project's pictures: font, sizes, colours, PNG output. ScottPlot's Linux Skia library is the
/// build without fontconfig, so the first picture registers its font file itself (DejaVu Sans from Debian's
/// fonts-dejavu-core, which scripts/setup.sh installs); without it text falls back to whatever Skia finds. DejaVu has
/// no CJK glyphs: the Chinese names of the real records draw as boxes (a CJK font file did not load through ScottPlot's
/// font resolver here).
/// </summary>
public static class PictureStyle
{
    /// <summary>The font family every picture uses.</summary>
    public const string FontName = "DejaVu Sans";

    /// <summary>Where the font is looked for, first found wins.</summary>
    private static readonly string[] FontFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ];

    private static readonly Lazy<bool> FontRegistered = new(() =>
    {
        var file = FontFiles.FirstOrDefault(File.Exists);
        if (file is null)
        {
            return false;
        }
        Fonts.AddFontFile(FontName, file);
        var bold = Path.Combine(Path.GetDirectoryName(file)!, "DejaVuSans-Bold.ttf");
        if (File.Exists(bold))
        {
            Fonts.AddFontFile(FontName, bold, bold: true, italic: false);
        }
        return true;
    });

    /// <summary>The colour series take in order (colour-blind-safe, Okabe–Ito).</summary>
    public static IReadOnlyList<Color> Series { get; } =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#D55E00"), Color.FromHex("#009E73"), Color.FromHex("#CC79A7"),
        Color.FromHex("#E69F00"), Color.FromHex("#56B4E9"),
    ];

    /// <summary>A new plot with the project's look and a title.</summary>
    public static Plot NewPlot(string title)
    {
        var plot = new Plot();
        plot.Title(title, size: 16);
        if (FontRegistered.Value)
        {
            plot.Font.Set(FontName);
        }
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Grid.MajorLineColor = Color.FromHex("#E5E5E5");
        return plot;
    }

    /// <summary>The plot as PNG bytes.</summary>
    public static byte[] Png(Plot plot, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(plot);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Writes the plot as a PNG file (its folder created), replacing it whole: a reader never sees half a picture.</summary>
    public static void Save(byte[] png, string path)
    {
        ArgumentNullException.ThrowIfNull(png);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var partial = full + ".partial";
        File.WriteAllBytes(partial, png);
        File.Move(partial, full, overwrite: true);
    }
}
