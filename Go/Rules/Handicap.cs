namespace OrleansGoRelay.Go.Rules;

/// <summary>Handicap stone placement.</summary>
public static class Handicap
{
    /// <summary>The largest fixed handicap for a board size, as GTP's <c>fixed_handicap</c> allows.</summary>
    public static int MaxFixed(int size) => size < 7 ? 0 : size % 2 == 0 || size == 7 ? 4 : 9;

    /// <summary>
    /// The fixed handicap points (GTP <c>fixed_handicap</c> order): the corner star points, then the side star
    /// points, with the centre added for odd counts from five on. Corners are on the fourth line from 13×13 up and
    /// on the third line below.
    /// </summary>
    public static IReadOnlyList<Point> FixedPoints(int size, int stones)
    {
        if (stones == 0)
        {
            return [];
        }
        if (stones < 2 || stones > MaxFixed(size))
        {
            throw new ArgumentOutOfRangeException(nameof(stones), stones, $"A {size}x{size} board takes a fixed handicap of 2 to {MaxFixed(size)} stones.");
        }
        var edge = size >= 13 ? 3 : 2;
        var far = size - 1 - edge;
        var mid = size / 2;
        Point lowerLeft = new(edge, far), upperRight = new(far, edge), upperLeft = new(edge, edge), lowerRight = new(far, far);
        Point left = new(edge, mid), right = new(far, mid), bottom = new(mid, far), top = new(mid, edge), centre = new(mid, mid);
        return stones switch
        {
            2 => [lowerLeft, upperRight],
            3 => [lowerLeft, upperRight, upperLeft],
            4 => [lowerLeft, upperRight, upperLeft, lowerRight],
            5 => [lowerLeft, upperRight, upperLeft, lowerRight, centre],
            6 => [lowerLeft, upperRight, upperLeft, lowerRight, left, right],
            7 => [lowerLeft, upperRight, upperLeft, lowerRight, left, right, centre],
            8 => [lowerLeft, upperRight, upperLeft, lowerRight, left, right, bottom, top],
            _ => [lowerLeft, upperRight, upperLeft, lowerRight, left, right, bottom, top, centre],
        };
    }

    /// <summary>Checks a free placement: 2 or more distinct points on the board, fewer than the points of the board.</summary>
    public static IReadOnlyList<Point> ValidateFree(int size, IReadOnlyCollection<Point> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 2 || points.Count >= size * size)
        {
            throw new ArgumentException($"A free handicap on {size}x{size} places 2 to {size * size - 1} stones, not {points.Count}.", nameof(points));
        }
        var offBoard = points.FirstOrDefault(p => !p.IsOnBoard(size));
        if (points.Any(p => !p.IsOnBoard(size)))
        {
            throw new ArgumentException($"Handicap point {offBoard} is off the {size}x{size} board.", nameof(points));
        }
        if (points.Distinct().Count() != points.Count)
        {
            throw new ArgumentException("Handicap points repeat.", nameof(points));
        }
        return [.. points];
    }
}
