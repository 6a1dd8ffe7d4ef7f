namespace OrleansGoRelay.Go.Ratings;

/// <summary>
/// OGS's 2021 rank ↔ rating conversion: rank = ln(rating / 525) × 23.15, where rank 30 is 1d (so 1d ≈ 1918 and
/// 1k ≈ 1840), and the handicap adjustment OGS applies before computing expectations: each handicap stone is worth
/// one rank to Black.
/// </summary>
public static class RatingScale
{
    private const double A = 525;
    private const double C = 23.15;

    /// <summary>The OGS rank number of a rating.</summary>
    public static double RankOf(double rating) => Math.Log(rating / A) * C;

    /// <summary>The rating of an OGS rank number.</summary>
    public static double RatingOf(double rank) => A * Math.Exp(rank / C);

    /// <summary>The rating of a rank.</summary>
    public static double RatingOf(Rank rank) => RatingOf(rank.Value);

    /// <summary>Black's effective rating in a game with this many handicap stones (one rank per stone).</summary>
    public static double WithHandicap(double rating, int handicap) => handicap <= 0 ? rating : RatingOf(RankOf(rating) + handicap);

    /// <summary>
    /// Black's expected score in a handicap game: Black's rating is raised by the handicap, then the Glicko-2
    /// expectation is taken.
    /// </summary>
    public static double ExpectedBlackScore(Glicko2Rating black, Glicko2Rating white, int handicap) =>
        Glicko2Calculator.ExpectedScore(black with { Value = WithHandicap(black.Value, handicap) }, white);
}

/// <summary>Elo, for comparison: logistic expectation on a 400-point scale and a K-factor update.</summary>
/// <param name="K">The update factor.</param>
public sealed record EloCalculator(double K = 32)
{
    /// <summary>The expected score of a player rated <paramref name="rating"/> against <paramref name="opponent"/>.</summary>
    public static double ExpectedScore(double rating, double opponent) => 1 / (1 + Math.Pow(10, (opponent - rating) / 400));

    /// <summary>The player's rating after one game.</summary>
    public double Update(double rating, double opponent, double score) => rating + K * (score - ExpectedScore(rating, opponent));
}

/// <summary>A player in the pool an opponent search looks through.</summary>
/// <param name="PlayerId">Who.</param>
/// <param name="Rating">Their rating.</param>
public readonly record struct RatedPlayer(string PlayerId, double Rating);

/// <summary>
/// Finds opponents by rating: everyone within a range of a rating, closest first. The pool is sorted once; a
/// search is a binary search plus a walk outwards from there, so it costs O(log n + k).
/// </summary>
public sealed class OpponentSearch
{
    private readonly RatedPlayer[] _players;
    private readonly double[] _ratings;

    /// <summary>Builds the search over a pool.</summary>
    public OpponentSearch(IEnumerable<RatedPlayer> players)
    {
        ArgumentNullException.ThrowIfNull(players);
        _players = [.. players.OrderBy(p => p.Rating).ThenBy(p => p.PlayerId, StringComparer.Ordinal)];
        _ratings = [.. _players.Select(p => p.Rating)];
    }

    /// <summary>Players rated within <paramref name="range"/> of <paramref name="rating"/>, closest first, at most <paramref name="limit"/>, never <paramref name="exclude"/>.</summary>
    public IReadOnlyList<RatedPlayer> Find(double rating, double range, int limit = int.MaxValue, string? exclude = null)
    {
        var found = new List<RatedPlayer>();
        var index = Array.BinarySearch(_ratings, rating);
        var right = index >= 0 ? index : ~index;
        // Equal ratings may sit on both sides of a hit; start left of the first of them.
        while (right > 0 && _ratings[right - 1] >= rating)
        {
            right--;
        }
        var left = right - 1;
        while (found.Count < limit)
        {
            var leftGap = left >= 0 ? rating - _ratings[left] : double.PositiveInfinity;
            var rightGap = right < _ratings.Length ? _ratings[right] - rating : double.PositiveInfinity;
            if (Math.Min(leftGap, rightGap) > range)
            {
                break;
            }
            var candidate = rightGap <= leftGap ? _players[right++] : _players[left--];
            if (candidate.PlayerId != exclude)
            {
                found.Add(candidate);
            }
        }
        return found;
    }
}
