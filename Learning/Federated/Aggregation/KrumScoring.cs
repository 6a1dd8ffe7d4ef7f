namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>Krum's score over a precomputed distance matrix, shared by Krum, Multi-Krum and Bulyan.</summary>
internal static class KrumScoring
{
    /// <summary>
    /// The member of <paramref name="members"/> with the lowest Krum score (the sum of its squared distances to its
    /// <paramref name="neighbours"/> nearest other members); ties go to the lower index, which is the lower client id.
    /// </summary>
    public static int Best(double[,] distances, IReadOnlyList<int> members, int neighbours)
    {
        var scores = Scores(distances, members, neighbours);
        var best = 0;
        for (var k = 1; k < scores.Length; k++)
        {
            if (scores[k] < scores[best])
            {
                best = k;
            }
        }
        return members[best];
    }

    /// <summary>The Krum score of each member, in member order.</summary>
    public static double[] Scores(double[,] distances, IReadOnlyList<int> members, int neighbours)
    {
        var scores = new double[members.Count];
        var others = new double[Math.Max(0, members.Count - 1)];
        for (var k = 0; k < members.Count; k++)
        {
            var i = members[k];
            var o = 0;
            foreach (var j in members)
            {
                if (j != i)
                {
                    others[o++] = distances[i, j];
                }
            }
            Array.Sort(others);
            double score = 0;
            for (var q = 0; q < neighbours; q++)
            {
                score += others[q];
            }
            scores[k] = score;
        }
        return scores;
    }
}
