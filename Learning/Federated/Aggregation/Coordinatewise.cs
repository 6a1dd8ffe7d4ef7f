namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// Per-coordinate work over many equally long vectors, split into fixed chunks of coordinates run in parallel. Every
/// coordinate is computed by one thread in a fixed order, so results do not depend on how many threads run.
/// </summary>
internal static class Coordinatewise
{
    /// <summary>Coordinates per parallel work item (16 KiB of floats per vector: one client's slice stays in L1).</summary>
    public const int ChunkLength = 4096;

    /// <summary>Runs <paramref name="body"/>(start, count) over [0, length) in chunks of <see cref="ChunkLength"/>.</summary>
    public static void ForEachChunk(int length, Action<int, int> body)
    {
        var chunks = (length + ChunkLength - 1) / ChunkLength;
        if (chunks == 1)
        {
            body(0, length);
            return;
        }
        Parallel.For(0, chunks, c =>
        {
            var start = c * ChunkLength;
            body(start, Math.Min(ChunkLength, length - start));
        });
    }

    /// <summary>The mean of <paramref name="vectors"/> (all of one length, at least one), accumulated in double.</summary>
    public static float[] Mean(IReadOnlyList<float[]> vectors) => WeightedMean(vectors, null);

    /// <summary>
    /// Σ wₖ·vₖ / Σ wₖ per coordinate, accumulated in double, or the plain mean when <paramref name="weights"/> is null.
    /// </summary>
    public static float[] WeightedMean(IReadOnlyList<float[]> vectors, double[]? weights)
    {
        var length = vectors[0].Length;
        double total = vectors.Count;
        if (weights is not null)
        {
            total = 0;
            foreach (var w in weights)
            {
                total += w;
            }
        }
        var mean = new float[length];
        ForEachChunk(length, (start, count) =>
        {
            var sum = new double[count];
            for (var k = 0; k < vectors.Count; k++)
            {
                var w = weights is null ? 1.0 : weights[k];
                var slice = vectors[k].AsSpan(start, count);
                for (var i = 0; i < count; i++)
                {
                    sum[i] += w * slice[i];
                }
            }
            var target = mean.AsSpan(start, count);
            for (var i = 0; i < count; i++)
            {
                target[i] = (float)(sum[i] / total);
            }
        });
        return mean;
    }

    /// <summary>
    /// Runs <paramref name="reduce"/> on every coordinate's column (the n values of that coordinate, in vector order)
    /// and stores its result. The column buffer is the callee's to reorder.
    /// </summary>
    public static float[] ReduceColumns(IReadOnlyList<float[]> vectors, Func<float[], float> reduce)
    {
        var length = vectors[0].Length;
        var n = vectors.Count;
        var result = new float[length];
        ForEachChunk(length, (start, count) =>
        {
            var column = new float[n];
            for (var i = start; i < start + count; i++)
            {
                for (var k = 0; k < n; k++)
                {
                    column[k] = vectors[k][i];
                }
                result[i] = reduce(column);
            }
        });
        return result;
    }

    /// <summary>
    /// Reorders <paramref name="values"/> so that values[k] is the k-th smallest, everything before it is no larger and
    /// everything after it no smaller (Hoare's selection with a median-of-three pivot, insertion sort on short ranges).
    /// Values must not be NaN. O(n) on average; deterministic.
    /// </summary>
    public static void Select(Span<float> values, int k)
    {
        var lo = 0;
        var hi = values.Length - 1;
        while (hi - lo > 16)
        {
            var mid = lo + ((hi - lo) / 2);
            SortThree(values, lo, mid, hi);
            var pivot = values[mid];
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }
                while (values[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            // Now [lo, j] ≤ pivot, (j, i) = pivot, [i, hi] ≥ pivot.
            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return;
            }
        }
        for (var a = lo + 1; a <= hi; a++)
        {
            var v = values[a];
            var b = a - 1;
            while (b >= lo && values[b] > v)
            {
                values[b + 1] = values[b];
                b--;
            }
            values[b + 1] = v;
        }
    }

    /// <summary>The median: the middle value, or the mean of the two middle values for an even count. Reorders the span.</summary>
    public static float Median(Span<float> values)
    {
        var half = values.Length / 2;
        Select(values, half);
        var upper = values[half];
        if (values.Length % 2 == 1)
        {
            return upper;
        }
        var lower = values[0];
        for (var i = 1; i < half; i++)
        {
            lower = Math.Max(lower, values[i]);
        }
        return (float)(((double)lower + upper) / 2);
    }

    private static void SortThree(Span<float> values, int a, int b, int c)
    {
        if (values[b] < values[a])
        {
            (values[a], values[b]) = (values[b], values[a]);
        }
        if (values[c] < values[b])
        {
            (values[b], values[c]) = (values[c], values[b]);
            if (values[b] < values[a])
            {
                (values[a], values[b]) = (values[b], values[a]);
            }
        }
    }
}
