namespace OrleansGoRelay.Go.Rules;

/// <summary>What a board point holds. The numeric values are used as array indices by the board.</summary>
public enum Stone : byte
{
    /// <summary>No stone.</summary>
    Empty = 0,
    /// <summary>A black stone.</summary>
    Black = 1,
    /// <summary>A white stone.</summary>
    White = 2,
    /// <summary>Off the board (the padding around it).</summary>
    Border = 3,
}

/// <summary>A player.</summary>
public enum Color : byte
{
    /// <summary>Black, who moves first in an even game.</summary>
    Black = 1,
    /// <summary>White.</summary>
    White = 2,
}

/// <summary>Conversions between players and stones.</summary>
public static class ColorExtensions
{
    /// <summary>The other player.</summary>
    public static Color Opponent(this Color color) => (Color)(3 - (int)color);

    /// <summary>The stone this player places.</summary>
    public static Stone ToStone(this Color color) => (Stone)color;

    /// <summary>The SGF property letter of the player (<c>B</c> or <c>W</c>).</summary>
    public static char ToLetter(this Color color) => color == Color.Black ? 'B' : 'W';
}
