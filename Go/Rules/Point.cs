using System.Globalization;

namespace OrleansGoRelay.Go.Rules;

/// <summary>
/// A board point by column <see cref="X"/> (0 = left) and row <see cref="Y"/> (0 = top, as SGF counts), or the pass.
/// </summary>
public readonly record struct Point(int X, int Y)
{
    /// <summary>The pass "point".</summary>
    public static readonly Point Pass = new(-1, -1);

    /// <summary>Whether this is the pass.</summary>
    public bool IsPass => X < 0;

    /// <summary>Whether the point lies on a board of the given size.</summary>
    public bool IsOnBoard(int size) => (uint)X < (uint)size && (uint)Y < (uint)size;

    /// <summary>The SGF coordinates (<c>dp</c>); the pass is empty.</summary>
    public string ToSgf() => IsPass ? "" : string.Concat((char)('a' + X), (char)('a' + Y));

    /// <summary>The GTP vertex (<c>D4</c>, columns skip I, rows count from the bottom); the pass is <c>pass</c>.</summary>
    public string ToGtp(int size)
    {
        if (IsPass)
        {
            return "pass";
        }
        var column = (char)('A' + X + (X >= 8 ? 1 : 0));
        return column + (size - Y).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a GTP vertex (<c>D4</c>, <c>pass</c>) on a board of the given size.</summary>
    public static Point FromGtp(string vertex, int size)
    {
        ArgumentNullException.ThrowIfNull(vertex);
        var text = vertex.Trim();
        if (text.Equals("pass", StringComparison.OrdinalIgnoreCase))
        {
            return Pass;
        }
        if (text.Length < 2)
        {
            throw new FormatException($"'{vertex}' is not a GTP vertex");
        }
        var letter = char.ToUpperInvariant(text[0]);
        if (letter is < 'A' or > 'Z' or 'I')
        {
            throw new FormatException($"'{vertex}' is not a GTP vertex");
        }
        var x = letter - 'A' - (letter > 'I' ? 1 : 0);
        if (!int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var row) || row < 1 || row > size || x >= size)
        {
            throw new FormatException($"'{vertex}' is not on a {size}x{size} board");
        }
        return new Point(x, size - row);
    }

    /// <inheritdoc />
    public override string ToString() => IsPass ? "pass" : ToSgf();
}

/// <summary>A move: a player and a point (or the pass).</summary>
public readonly record struct Move(Color Player, Point Point)
{
    /// <summary>Whether the move is a pass.</summary>
    public bool IsPass => Point.IsPass;

    /// <summary>A pass by the given player.</summary>
    public static Move PassBy(Color player) => new(player, Point.Pass);

    /// <inheritdoc />
    public override string ToString() => $"{Player.ToLetter()}[{Point.ToSgf()}]";
}
