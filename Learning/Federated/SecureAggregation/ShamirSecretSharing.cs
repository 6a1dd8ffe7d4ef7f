using System.Buffers.Binary;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// One holder's share of a secret: the evaluations at <paramref name="X"/> of one random polynomial per 7-byte chunk of
/// the secret. In secure aggregation X is the holder's client index + 1 (never 0, where the secret lies).
/// </summary>
/// <param name="X">The evaluation point, 1 ≤ X.</param>
/// <param name="Values">One field element per chunk of the secret.</param>
public sealed record ShamirShare(int X, ulong[] Values);

/// <summary>What a verified reconstruction found.</summary>
/// <param name="Secret">The secret, proven genuine by the caller's check; null when the shares could not yield one.</param>
/// <param name="InconsistentXs">
/// The x-coordinates of shares that do not lie on the genuine secret's polynomials (a holder returned a wrong share).
/// Empty when <paramref name="Secret"/> is null: then nothing can be said about who is wrong.
/// </param>
public sealed record ShamirReconstruction(byte[]? Secret, IReadOnlyList<int> InconsistentXs);

/// <summary>
/// Shamir's t-of-n secret sharing (Shamir 1979) over GF(2^61 − 1), as secure aggregation uses it (Bonawitz et al. 2017,
/// §4): a secret of any length is cut into 7-byte chunks, each the constant term of its own random polynomial of degree
/// t − 1; any t shares give it back by Lagrange interpolation at 0, t − 1 shares say nothing about it.
/// <para>
/// <see cref="ReconstructVerified"/> does not trust the shares: the caller says whether a candidate secret is genuine
/// (secure aggregation checks a hash commitment or recomputes a public key), and surplus shares beyond t are used to find
/// and name wrong ones, first a single wrong share among any surplus, then up to ⌊(m − t)/2⌋ wrong shares of m by
/// Reed–Solomon decoding (Berlekamp–Welch). When neither yields a genuine secret it returns none, never a wrong one.
/// </para>
/// </summary>
public static class ShamirSecretSharing
{
    /// <summary>Secret bytes per field element: 7 bytes (2^56) stay below p = 2^61 − 1.</summary>
    public const int ChunkBytes = 7;

    /// <summary>Field elements per share of a secret of <paramref name="secretLength"/> bytes.</summary>
    public static int ChunkCount(int secretLength) => (secretLength + ChunkBytes - 1) / ChunkBytes;

    /// <summary>
    /// Splits <paramref name="secret"/> into one share per x in <paramref name="xs"/> (distinct, ≥ 1) such that any
    /// <paramref name="threshold"/> of them reconstruct it. Coefficients come from the system's cryptographic generator.
    /// </summary>
    public static ShamirShare[] Split(ReadOnlySpan<byte> secret, int threshold, ReadOnlySpan<int> xs)
    {
        if (threshold < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold is at least 1.");
        }
        if (xs.Length < threshold)
        {
            throw new ArgumentException($"{xs.Length} holders cannot reconstruct a secret with threshold {threshold}.", nameof(xs));
        }
        EnsureDistinctPositive(xs);
        var chunks = ToChunks(secret);
        // coefficients[c][0] is chunk c itself; the other t − 1 are uniformly random.
        var coefficients = new ulong[chunks.Length][];
        for (var c = 0; c < chunks.Length; c++)
        {
            coefficients[c] = new ulong[threshold];
            coefficients[c][0] = chunks[c];
            for (var d = 1; d < threshold; d++)
            {
                coefficients[c][d] = MersenneField.Random();
            }
        }
        var shares = new ShamirShare[xs.Length];
        for (var i = 0; i < xs.Length; i++)
        {
            var values = new ulong[chunks.Length];
            for (var c = 0; c < chunks.Length; c++)
            {
                values[c] = EvaluatePolynomial(coefficients[c], (ulong)xs[i]);
            }
            shares[i] = new ShamirShare(xs[i], values);
        }
        return shares;
    }

    /// <summary>
    /// Interpolates at 0 through the first <paramref name="threshold"/> shares, trusting them; null when the result is
    /// not a secret of <paramref name="secretLength"/> bytes (a chunk above 2^56). Fewer shares than the threshold throw.
    /// </summary>
    public static byte[]? Reconstruct(IReadOnlyList<ShamirShare> shares, int threshold, int secretLength)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (threshold < 1 || shares.Count < threshold)
        {
            throw new ArgumentException($"{shares.Count} shares cannot reconstruct a secret with threshold {threshold}.", nameof(shares));
        }
        var basis = shares.Take(threshold).ToArray();
        var chunkCount = ChunkCount(secretLength);
        Validate(basis, chunkCount);
        var interpolator = new Interpolator(basis.Select(s => (ulong)s.X).ToArray());
        return FromChunks(Combine(interpolator.CoefficientsAt(0), basis, chunkCount), secretLength);
    }

    /// <summary>
    /// Reconstructs a secret that <paramref name="isGenuine"/> accepts from <paramref name="shares"/> (any order, distinct
    /// x), correcting wrong shares where the surplus allows, and names the shares that are inconsistent with it.
    /// </summary>
    public static ShamirReconstruction ReconstructVerified(IReadOnlyList<ShamirShare> shares, int threshold, int secretLength, Func<byte[], bool> isGenuine)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(isGenuine);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        var chunkCount = ChunkCount(secretLength);
        var ordered = shares.OrderBy(s => s.X).ToArray();
        Validate(ordered, chunkCount);
        var t = threshold;
        var m = ordered.Length;
        if (m < t)
        {
            return new ShamirReconstruction(null, []);
        }

        // The first t shares, and whether each further share agrees with them chunk by chunk.
        var basis = ordered[..t];
        var interpolator = new Interpolator(basis.Select(s => (ulong)s.X).ToArray());
        var chunks = Combine(interpolator.CoefficientsAt(0), basis, chunkCount);
        var chunkDisagrees = new bool[chunkCount];
        var disagreeing = new List<int>();
        for (var k = t; k < m; k++)
        {
            var predicted = Combine(interpolator.CoefficientsAt((ulong)ordered[k].X), basis, chunkCount);
            var agrees = true;
            for (var c = 0; c < chunkCount; c++)
            {
                if (predicted[c] != ordered[k].Values[c])
                {
                    chunkDisagrees[c] = true;
                    agrees = false;
                }
            }
            if (!agrees)
            {
                disagreeing.Add(ordered[k].X);
            }
        }
        var candidate = FromChunks(chunks, secretLength);
        if (candidate is not null && isGenuine(candidate))
        {
            return new ShamirReconstruction(candidate, disagreeing);
        }
        if (m == t)
        {
            return new ShamirReconstruction(null, []);
        }

        // One wrong share among the first t: leave each out in turn, the (t+1)-th share taking its place.
        if (SingleWrongShare(ordered, t, chunkCount, secretLength, isGenuine) is { } left)
        {
            return new ShamirReconstruction(left.Secret, Inconsistent(ordered, ordered[..(t + 1)].Where((_, i) => i != left.Excluded).ToArray(), chunkCount));
        }

        // Several wrong shares: Reed–Solomon decoding of each chunk whose shares disagree (a chunk on which all m shares
        // lie on one polynomial of degree t − 1 is right as long as at most (m − t)/2 shares are wrong).
        var errors = (m - t) / 2;
        if (errors < 1)
        {
            return new ShamirReconstruction(null, []);
        }
        var used = ordered[..(t + 2 * errors)];
        var xs = used.Select(s => (ulong)s.X).ToArray();
        var wrong = new SortedSet<int>();
        for (var c = 0; c < chunkCount; c++)
        {
            if (!chunkDisagrees[c])
            {
                continue;
            }
            var ys = used.Select(s => s.Values[c]).ToArray();
            if (BerlekampWelch(xs, ys, t, errors) is not { } polynomial)
            {
                return new ShamirReconstruction(null, []);
            }
            chunks[c] = polynomial[0];
            foreach (var share in ordered)
            {
                if (EvaluatePolynomial(polynomial, (ulong)share.X) != share.Values[c])
                {
                    wrong.Add(share.X);
                }
            }
        }
        candidate = FromChunks(chunks, secretLength);
        return candidate is not null && wrong.Count <= errors && isGenuine(candidate)
            ? new ShamirReconstruction(candidate, wrong.ToArray())
            : new ShamirReconstruction(null, []);
    }

    /// <summary>The share's values as bytes, 8 little-endian bytes per chunk (the wire form in secure aggregation's messages).</summary>
    public static byte[] EncodeValues(ReadOnlySpan<ulong> values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }
        return bytes;
    }

    /// <summary>The inverse of <see cref="EncodeValues"/>; the length must be 8 per chunk and every value below p.</summary>
    public static ulong[] DecodeValues(ReadOnlySpan<byte> bytes, int chunkCount)
    {
        if (bytes.Length != chunkCount * 8)
        {
            throw new ArgumentException($"A share of {chunkCount} chunks has {chunkCount * 8} bytes, not {bytes.Length}.", nameof(bytes));
        }
        var values = new ulong[chunkCount];
        for (var i = 0; i < chunkCount; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
            if (values[i] >= MersenneField.Prime)
            {
                throw new ArgumentException("A share value lies outside GF(2^61 - 1).", nameof(bytes));
            }
        }
        return values;
    }

    private static (byte[] Secret, int Excluded)? SingleWrongShare(ShamirShare[] ordered, int t, int chunkCount, int secretLength, Func<byte[], bool> isGenuine)
    {
        // Lagrange at 0 over the first t + 1 points, L_k(0); leaving point i out turns them into
        // L_k(0) · (x_k − x_i) / (0 − x_i), so each of the t candidates costs O(t) per chunk instead of O(t²).
        var extended = ordered[..(t + 1)];
        var xs = extended.Select(s => (ulong)s.X).ToArray();
        var atZero = new Interpolator(xs).CoefficientsAt(0);
        var inverseNegated = new ulong[t];
        for (var i = 0; i < t; i++)
        {
            inverseNegated[i] = MersenneField.Subtract(0, xs[i]);
        }
        MersenneField.InvertAll(inverseNegated);
        var factors = new ulong[t + 1];
        var chunks = new ulong[chunkCount];
        for (var i = 0; i < t; i++)
        {
            for (var k = 0; k <= t; k++)
            {
                factors[k] = k == i ? 0 : MersenneField.Multiply(MersenneField.Multiply(atZero[k], MersenneField.Subtract(xs[k], xs[i])), inverseNegated[i]);
            }
            for (var c = 0; c < chunkCount; c++)
            {
                var sum = 0UL;
                for (var k = 0; k <= t; k++)
                {
                    sum = MersenneField.Add(sum, MersenneField.Multiply(factors[k], extended[k].Values[c]));
                }
                chunks[c] = sum;
            }
            if (FromChunks(chunks, secretLength) is { } candidate && isGenuine(candidate))
            {
                return (candidate, i);
            }
        }
        return null;
    }

    /// <summary>The x of every share (outside <paramref name="basis"/>) off the polynomials through <paramref name="basis"/>.</summary>
    private static int[] Inconsistent(ShamirShare[] ordered, ShamirShare[] basis, int chunkCount)
    {
        var interpolator = new Interpolator(basis.Select(s => (ulong)s.X).ToArray());
        var inBasis = basis.Select(s => s.X).ToHashSet();
        var wrong = new List<int>();
        foreach (var share in ordered)
        {
            if (inBasis.Contains(share.X))
            {
                continue;
            }
            var predicted = Combine(interpolator.CoefficientsAt((ulong)share.X), basis, chunkCount);
            if (!predicted.AsSpan().SequenceEqual(share.Values))
            {
                wrong.Add(share.X);
            }
        }
        return wrong.ToArray();
    }

    /// <summary>
    /// Berlekamp–Welch: the polynomial P of degree &lt; t through all but at most e of the t + 2e points, from
    /// Q(x_i) = y_i·E(x_i) with E monic of degree e (the error locator) and deg Q &lt; t + e; P = Q / E. Null when the
    /// system has no solution or E does not divide Q (more than e errors).
    /// </summary>
    private static ulong[]? BerlekampWelch(ulong[] xs, ulong[] ys, int t, int e)
    {
        var n = xs.Length;
        var qTerms = t + e;
        var matrix = new ulong[n][];
        for (var i = 0; i < n; i++)
        {
            var row = new ulong[n + 1];
            var power = 1UL;
            for (var j = 0; j < qTerms; j++)
            {
                row[j] = power;
                if (j < e)
                {
                    row[qTerms + j] = MersenneField.Subtract(0, MersenneField.Multiply(ys[i], power));
                }
                if (j == e)
                {
                    row[n] = MersenneField.Multiply(ys[i], power);
                }
                power = MersenneField.Multiply(power, xs[i]);
            }
            matrix[i] = row;
        }
        if (Solve(matrix) is not { } solution)
        {
            return null;
        }
        var q = solution[..qTerms];
        var locator = new ulong[e + 1];
        solution.AsSpan(qTerms, e).CopyTo(locator);
        locator[e] = 1;
        // Long division by the monic locator.
        var quotient = new ulong[t];
        for (var degree = qTerms - 1; degree >= e; degree--)
        {
            var coefficient = q[degree];
            quotient[degree - e] = coefficient;
            for (var j = 0; j <= e; j++)
            {
                q[degree - e + j] = MersenneField.Subtract(q[degree - e + j], MersenneField.Multiply(coefficient, locator[j]));
            }
        }
        for (var j = 0; j < e; j++)
        {
            if (q[j] != 0)
            {
                return null;
            }
        }
        return quotient;
    }

    /// <summary>Gauss–Jordan elimination of an n × (n + 1) augmented system mod p; free variables are 0; null when inconsistent.</summary>
    private static ulong[]? Solve(ulong[][] rows)
    {
        var n = rows.Length;
        var pivotColumnOfRow = new int[n];
        var rank = 0;
        for (var column = 0; column < n && rank < n; column++)
        {
            var pivot = -1;
            for (var r = rank; r < n; r++)
            {
                if (rows[r][column] != 0)
                {
                    pivot = r;
                    break;
                }
            }
            if (pivot < 0)
            {
                continue;
            }
            (rows[rank], rows[pivot]) = (rows[pivot], rows[rank]);
            var pivotRow = rows[rank];
            var inverse = MersenneField.Inverse(pivotRow[column]);
            for (var j = column; j <= n; j++)
            {
                pivotRow[j] = MersenneField.Multiply(pivotRow[j], inverse);
            }
            for (var r = 0; r < n; r++)
            {
                var row = rows[r];
                var factor = row[column];
                if (r == rank || factor == 0)
                {
                    continue;
                }
                for (var j = column; j <= n; j++)
                {
                    row[j] = MersenneField.Subtract(row[j], MersenneField.Multiply(factor, pivotRow[j]));
                }
            }
            pivotColumnOfRow[rank] = column;
            rank++;
        }
        for (var r = rank; r < n; r++)
        {
            if (rows[r][n] != 0)
            {
                return null;
            }
        }
        var solution = new ulong[n];
        for (var r = 0; r < rank; r++)
        {
            solution[pivotColumnOfRow[r]] = rows[r][n];
        }
        return solution;
    }

    private static ulong EvaluatePolynomial(ulong[] coefficients, ulong x)
    {
        var value = 0UL;
        for (var d = coefficients.Length - 1; d >= 0; d--)
        {
            value = MersenneField.Add(MersenneField.Multiply(value, x), coefficients[d]);
        }
        return value;
    }

    private static ulong[] Combine(ulong[] coefficients, ShamirShare[] basis, int chunkCount)
    {
        var result = new ulong[chunkCount];
        for (var c = 0; c < chunkCount; c++)
        {
            var sum = 0UL;
            for (var i = 0; i < basis.Length; i++)
            {
                sum = MersenneField.Add(sum, MersenneField.Multiply(coefficients[i], basis[i].Values[c]));
            }
            result[c] = sum;
        }
        return result;
    }

    private static ulong[] ToChunks(ReadOnlySpan<byte> secret)
    {
        var chunks = new ulong[ChunkCount(secret.Length)];
        for (var i = 0; i < secret.Length; i++)
        {
            chunks[i / ChunkBytes] |= (ulong)secret[i] << (8 * (i % ChunkBytes));
        }
        return chunks;
    }

    private static byte[]? FromChunks(ulong[] chunks, int secretLength)
    {
        var secret = new byte[secretLength];
        for (var c = 0; c < chunks.Length; c++)
        {
            var bytesInChunk = Math.Min(ChunkBytes, secretLength - c * ChunkBytes);
            if (chunks[c] >> (8 * bytesInChunk) != 0)
            {
                return null;
            }
            for (var b = 0; b < bytesInChunk; b++)
            {
                secret[c * ChunkBytes + b] = (byte)(chunks[c] >> (8 * b));
            }
        }
        return secret;
    }

    private static void Validate(ShamirShare[] shares, int chunkCount)
    {
        var xs = new int[shares.Length];
        for (var i = 0; i < shares.Length; i++)
        {
            xs[i] = shares[i].X;
            if (shares[i].Values.Length != chunkCount)
            {
                throw new ArgumentException($"A share has {shares[i].Values.Length} chunks, not {chunkCount}.", nameof(shares));
            }
            foreach (var value in shares[i].Values)
            {
                if (value >= MersenneField.Prime)
                {
                    throw new ArgumentException("A share value lies outside GF(2^61 - 1).", nameof(shares));
                }
            }
        }
        EnsureDistinctPositive(xs);
    }

    private static void EnsureDistinctPositive(ReadOnlySpan<int> xs)
    {
        var seen = new HashSet<int>();
        foreach (var x in xs)
        {
            if (x < 1 || !seen.Add(x))
            {
                throw new ArgumentException($"Share points must be distinct and at least 1 ({x} is not).", nameof(xs));
            }
        }
    }

    /// <summary>
    /// Lagrange interpolation through fixed points in barycentric form: after O(t²) once, the coefficients c_i with
    /// P(x) = Σ c_i·y_i at any x cost O(t) (one batched inversion).
    /// </summary>
    private sealed class Interpolator
    {
        private readonly ulong[] _xs;
        private readonly ulong[] _products;

        public Interpolator(ulong[] xs)
        {
            _xs = xs;
            // products[i] = Π_{j≠i} (x_i − x_j)
            _products = new ulong[xs.Length];
            for (var i = 0; i < xs.Length; i++)
            {
                var product = 1UL;
                for (var j = 0; j < xs.Length; j++)
                {
                    if (j != i)
                    {
                        product = MersenneField.Multiply(product, MersenneField.Subtract(xs[i], xs[j]));
                    }
                }
                _products[i] = product;
            }
        }

        public ulong[] CoefficientsAt(ulong x)
        {
            var coefficients = new ulong[_xs.Length];
            var at = Array.IndexOf(_xs, x);
            if (at >= 0)
            {
                coefficients[at] = 1;
                return coefficients;
            }
            // c_i = ℓ(x) / ((x − x_i)·Π_{j≠i}(x_i − x_j)), ℓ(x) = Π_j (x − x_j)
            var whole = 1UL;
            for (var i = 0; i < _xs.Length; i++)
            {
                var difference = MersenneField.Subtract(x, _xs[i]);
                whole = MersenneField.Multiply(whole, difference);
                coefficients[i] = MersenneField.Multiply(difference, _products[i]);
            }
            MersenneField.InvertAll(coefficients);
            for (var i = 0; i < coefficients.Length; i++)
            {
                coefficients[i] = MersenneField.Multiply(coefficients[i], whole);
            }
            return coefficients;
        }
    }
}
