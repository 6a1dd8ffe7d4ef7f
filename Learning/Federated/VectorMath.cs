using System.Numerics.Tensors;

namespace OrleansGoRelay.Learning.Federated;

/// <summary>
/// The few vector operations federated rules need, over flat float arrays, vectorised with
/// <see cref="TensorPrimitives"/>; sums that decide outcomes (norms, distances) accumulate in double.
/// </summary>
public static class VectorMath
{
    /// <summary>The Euclidean norm.</summary>
    public static double L2Norm(ReadOnlySpan<float> x) => Math.Sqrt(SquaredNorm(x));

    /// <summary>The squared Euclidean norm, accumulated in double.</summary>
    public static double SquaredNorm(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (var v in x)
        {
            sum += (double)v * v;
        }
        return sum;
    }

    /// <summary>‖a − b‖², accumulated in double.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        EnsureSameLength(a.Length, b.Length);
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>a · b, accumulated in double.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        EnsureSameLength(a.Length, b.Length);
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }
        return sum;
    }

    /// <summary>The cosine of the angle between a and b (0 when either is zero).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var norms = L2Norm(a) * L2Norm(b);
        return norms > 0 ? Dot(a, b) / norms : 0;
    }

    /// <summary>target += scale × x.</summary>
    public static void AddScaled(Span<float> target, ReadOnlySpan<float> x, float scale)
    {
        EnsureSameLength(target.Length, x.Length);
        TensorPrimitives.MultiplyAdd(x, scale, target, target);
    }

    /// <summary>x ×= scale, in place.</summary>
    public static void Scale(Span<float> x, float scale) => TensorPrimitives.Multiply(x, scale, x);

    /// <summary>Whether every element is finite (no NaN, no infinity).</summary>
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        foreach (var v in x)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The weighted mean of equally long vectors (weights ≥ 0, not all zero), accumulated in double.</summary>
    public static float[] WeightedMean(IReadOnlyList<float[]> vectors, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(weights);
        if (vectors.Count == 0 || vectors.Count != weights.Count)
        {
            throw new ArgumentException("One weight per vector, at least one vector.", nameof(weights));
        }
        var total = weights.Sum();
        if (!(total > 0))
        {
            throw new ArgumentException("The weights sum to zero.", nameof(weights));
        }
        var length = vectors[0].Length;
        var sum = new double[length];
        for (var k = 0; k < vectors.Count; k++)
        {
            var v = vectors[k];
            EnsureSameLength(length, v.Length);
            var w = weights[k] / total;
            for (var i = 0; i < length; i++)
            {
                sum[i] += w * v[i];
            }
        }
        var mean = new float[length];
        for (var i = 0; i < length; i++)
        {
            mean[i] = (float)sum[i];
        }
        return mean;
    }

    internal static void EnsureSameLength(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"Vectors of different lengths ({a:N0} and {b:N0}).");
        }
    }
}
