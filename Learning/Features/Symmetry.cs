namespace OrleansGoRelay.Learning.Features;

/// <summary>
/// The 8 symmetries of the square board (the dihedral group D4): Go is the same game under each, so training sees a
/// random one per position and the engine can average over them. Symmetry <c>s</c> in 0..7 first transposes (bit 0),
/// then mirrors x (bit 1), then mirrors y (bit 2); the pass maps to itself.
/// </summary>
public static class Symmetry
{
    /// <summary>The number of symmetries.</summary>
    public const int Count = 8;

    /// <summary>Where point index <paramref name="point"/> (y × size + x, or size² for a pass) goes under symmetry <paramref name="symmetry"/>.</summary>
    public static int Apply(int symmetry, int size, int point)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)symmetry, (uint)Count, nameof(symmetry));
        if (point == size * size)
        {
            return point;
        }
        int x = point % size, y = point / size;
        if ((symmetry & 1) != 0)
        {
            (x, y) = (y, x);
        }
        if ((symmetry & 2) != 0)
        {
            x = size - 1 - x;
        }
        if ((symmetry & 4) != 0)
        {
            y = size - 1 - y;
        }
        return y * size + x;
    }

    /// <summary>The symmetry that undoes <paramref name="symmetry"/>.</summary>
    public static int Inverse(int symmetry)
    {
        // A transpose followed by mirrors is undone by the mirrors swapped around the transpose.
        if ((symmetry & 1) == 0)
        {
            return symmetry; // mirrors only: each is its own inverse
        }
        var mirrorX = (symmetry & 2) != 0;
        var mirrorY = (symmetry & 4) != 0;
        return 1 | (mirrorY ? 2 : 0) | (mirrorX ? 4 : 0);
    }

    /// <summary>Writes <paramref name="planes"/> (planes × size², plane-major) transformed by <paramref name="symmetry"/> into <paramref name="destination"/>.</summary>
    public static void ApplyToPlanes<T>(int symmetry, int size, int planeCount, ReadOnlySpan<T> planes, Span<T> destination)
    {
        var area = size * size;
        for (var point = 0; point < area; point++)
        {
            var to = Apply(symmetry, size, point);
            for (var plane = 0; plane < planeCount; plane++)
            {
                destination[plane * area + to] = planes[plane * area + point];
            }
        }
    }
}
