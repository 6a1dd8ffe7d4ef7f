namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>
/// Seeded Gaussian noise for vectors of millions of floats, reproducible to the bit: coordinate i of a (seed, stream)
/// draw depends only on seed, stream and i, never on thread count or scheduling. The vector is cut into fixed chunks
/// of <see cref="ChunkLength"/> coordinates; each chunk has its own xoshiro256** generator (Blackman and Vigna 2018)
/// seeded by SplitMix64 from (seed, stream, chunk), and turns pairs of uniforms into pairs of normals by Marsaglia's
/// polar form of Box–Muller (one logarithm and one square root a pair, no trigonometry). Chunks run in parallel.
/// </summary>
/// <remarks>
/// Reproducible on one runtime and platform; the polar method calls <see cref="Math.Log(double)"/>, whose last bit could
/// differ between C runtimes, which would only rarely change the float a coordinate gets.
/// This is a statistical generator for the DP mechanism's noise, not a cryptographic one: a deployment that must resist an
/// adversary predicting the noise draws the seed from a secure source and keeps it secret.
/// </remarks>
public static class GaussianNoise
{
    /// <summary>Coordinates per independently seeded chunk (even, so normals pair up within a chunk).</summary>
    public const int ChunkLength = 16_384;

    /// <summary>target[i] += σ·N(0, 1), the normals of the (<paramref name="seed"/>, <paramref name="stream"/>) draw.</summary>
    public static void Add(float[] target, double standardDeviation, ulong seed, ulong stream)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckDeviation(standardDeviation);
        if (standardDeviation == 0)
        {
            return;
        }
        Run(target, standardDeviation, seed, stream, accumulate: true);
    }

    /// <summary>target[i] = σ·N(0, 1), the normals of the (<paramref name="seed"/>, <paramref name="stream"/>) draw.</summary>
    public static void Fill(float[] target, double standardDeviation, ulong seed, ulong stream)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckDeviation(standardDeviation);
        Run(target, standardDeviation, seed, stream, accumulate: false);
    }

    /// <summary>The generator seed of one chunk of a (seed, stream) draw: SplitMix64 finalisers over the three.</summary>
    internal static ulong ChunkSeed(ulong seed, ulong stream, long chunk) =>
        SplitMix64.Mix(seed ^ SplitMix64.Mix(stream ^ SplitMix64.Mix(unchecked((ulong)chunk + SplitMix64.Increment))));

    private static void Run(float[] target, double standardDeviation, ulong seed, ulong stream, bool accumulate)
    {
        var chunks = (target.Length + ChunkLength - 1) / ChunkLength;
        if (chunks <= 1)
        {
            for (var c = 0; c < chunks; c++)
            {
                FillChunk(target, c, standardDeviation, seed, stream, accumulate);
            }
            return;
        }
        Parallel.For(0, chunks, c => FillChunk(target, c, standardDeviation, seed, stream, accumulate));
    }

    private static void FillChunk(float[] target, int chunk, double standardDeviation, ulong seed, ulong stream, bool accumulate)
    {
        var start = chunk * ChunkLength;
        var span = target.AsSpan(start, Math.Min(ChunkLength, target.Length - start));
        var generator = new Xoshiro256StarStar(ChunkSeed(seed, stream, chunk));
        var i = 0;
        for (; i + 1 < span.Length; i += 2)
        {
            var (first, second) = generator.NextNormalPair();
            if (accumulate)
            {
                span[i] += (float)(standardDeviation * first);
                span[i + 1] += (float)(standardDeviation * second);
            }
            else
            {
                span[i] = (float)(standardDeviation * first);
                span[i + 1] = (float)(standardDeviation * second);
            }
        }
        if (i < span.Length)
        {
            var (last, _) = generator.NextNormalPair();
            span[i] = accumulate ? span[i] + (float)(standardDeviation * last) : (float)(standardDeviation * last);
        }
    }

    private static void CheckDeviation(double standardDeviation)
    {
        if (!(standardDeviation >= 0) || double.IsPositiveInfinity(standardDeviation))
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "A standard deviation is finite and not negative.");
        }
    }
}

/// <summary>
/// A seeded sequence of standard normals (and uniforms) for scalar noise, such as the noised clipped-count of adaptive
/// clipping; the same generator as <see cref="GaussianNoise"/>, seeded from (seed, stream).
/// </summary>
public sealed class SeededGaussian
{
    private Xoshiro256StarStar _generator;
    private double _spare;
    private bool _hasSpare;

    /// <summary>The sequence of the (<paramref name="seed"/>, <paramref name="stream"/>) pair.</summary>
    public SeededGaussian(ulong seed, ulong stream) => _generator = new Xoshiro256StarStar(GaussianNoise.ChunkSeed(seed, stream, -1));

    /// <summary>The next N(0, 1) sample.</summary>
    public double NextStandardNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        var (first, second) = _generator.NextNormalPair();
        _spare = second;
        _hasSpare = true;
        return first;
    }

    /// <summary>The next uniform sample in [0, 1), 53 random bits.</summary>
    public double NextUniform() => _generator.NextUnitInterval();
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): seeds a larger generator from one 64-bit value.</summary>
internal static class SplitMix64
{
    /// <summary>The golden-ratio increment, 2⁶⁴/φ.</summary>
    public const ulong Increment = 0x9E3779B97F4A7C15UL;

    /// <summary>The SplitMix64 output function of <paramref name="z"/> after one increment.</summary>
    public static ulong Mix(ulong z)
    {
        z = unchecked(z + Increment);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>xoshiro256** 1.0 (Blackman and Vigna 2018, "Scrambled Linear Pseudorandom Number Generators").</summary>
internal struct Xoshiro256StarStar
{
    private const double UnitScale = 1.0 / (1UL << 53);
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public Xoshiro256StarStar(ulong seed)
    {
        // Four SplitMix64 outputs fill the state (never all zero: SplitMix64 is a bijection of distinct inputs).
        _s0 = SplitMix64.Mix(seed);
        _s1 = SplitMix64.Mix(unchecked(seed + SplitMix64.Increment));
        _s2 = SplitMix64.Mix(unchecked(seed + 2 * SplitMix64.Increment));
        _s3 = SplitMix64.Mix(unchecked(seed + 3 * SplitMix64.Increment));
    }

    public ulong Next()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform in [0, 1) from the top 53 bits.</summary>
    public double NextUnitInterval() => (Next() >> 11) * UnitScale;

    /// <summary>Two independent standard normals by Marsaglia's polar method (Box–Muller without the sine and cosine).</summary>
    public (double First, double Second) NextNormalPair()
    {
        while (true)
        {
            // A point uniform in the square [−1, 1)², kept when inside the unit disc (π/4 of the time).
            var x = 2 * NextUnitInterval() - 1;
            var y = 2 * NextUnitInterval() - 1;
            var s = x * x + y * y;
            if (s < 1 && s > 0)
            {
                var factor = Math.Sqrt(-2 * Math.Log(s) / s);
                return (x * factor, y * factor);
            }
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
