using System.Buffers.Binary;
using System.Numerics.Tensors;

namespace OrleansGoRelay.Learning.Federated.Compression;

/// <summary>A sparse vector: the values at strictly increasing indices, zero elsewhere.</summary>
/// <param name="Length">The dense length.</param>
/// <param name="Indices">Where the kept values are, strictly increasing.</param>
/// <param name="Values">The kept values, one per index.</param>
public sealed record SparseUpdate(int Length, int[] Indices, float[] Values)
{
    /// <summary>The dense vector.</summary>
    public float[] ToDense()
    {
        var dense = new float[Length];
        for (var i = 0; i < Indices.Length; i++)
        {
            dense[Indices[i]] = Values[i];
        }
        return dense;
    }
}

/// <summary>
/// Top-k sparsification with error feedback (Stich et al. 2018, "Sparsified SGD with Memory"; Karimireddy et al. 2019,
/// "Error Feedback Fixes SignSGD and other Gradient Compression Schemes"): each call adds the residual left by the
/// previous calls to the update, sends the k = ⌈fraction·n⌉ entries of largest magnitude and keeps the rest as the new
/// residual, so nothing is lost, only delayed: the sum of everything sent equals the sum of the inputs minus the
/// current residual. The residual is per client: use one instance per client (its <see cref="Residual"/> can be saved
/// and restored across a crash).
/// </summary>
/// <remarks>
/// The k largest magnitudes are found by a two-pass radix selection on the magnitudes' bit patterns (non-negative
/// floats order like their bits), O(n) with no worst case; among equal magnitudes at the threshold the lower indices
/// are kept. Wire format after the common header: int32 k, the k indices as unsigned LEB128 varints (the first index,
/// then the gaps to the previous one, each ≥ 1), then k float32 values: 8 + 4 + (1 to 5 bytes)·k + 4·k bytes.
/// </remarks>
public sealed class TopKSparsifier : IUpdateCodec
{
    internal const byte Tag = (byte)'K';
    private float[]? _residual;

    /// <summary>A sparsifier keeping <paramref name="fraction"/> (in (0, 1]) of the values, with error feedback unless turned off.</summary>
    public TopKSparsifier(double fraction, bool errorFeedback = true)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The kept fraction must be in (0, 1].");
        }
        Fraction = fraction;
        ErrorFeedback = errorFeedback;
    }

    /// <summary>The fraction of values kept.</summary>
    public double Fraction { get; }

    /// <summary>Whether what is not sent is carried into the next call.</summary>
    public bool ErrorFeedback { get; }

    /// <inheritdoc />
    public string Name => "top-k";

    /// <summary>A copy of the residual (what was left unsent), or null before the first call or without error feedback.</summary>
    public float[]? Residual => _residual is null ? null : (float[])_residual.Clone();

    /// <summary>Values kept of <paramref name="length"/>: ⌈fraction·length⌉ (the product rounded to 9 decimals first), at least 1 of a non-empty vector.</summary>
    public int KeptCount(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return 0;
        }
        return (int)Math.Clamp(Math.Ceiling(Math.Round(Fraction * length, 9)), 1, length);
    }

    /// <summary>Replaces the residual (a saved <see cref="Residual"/>, or null to forget it).</summary>
    public void RestoreResidual(float[]? residual)
    {
        if (residual is not null && !TensorPrimitives.IsFiniteAll<float>(residual))
        {
            throw new ArgumentException("The residual has a non-finite value.", nameof(residual));
        }
        _residual = residual is null ? null : (float[])residual.Clone();
    }

    /// <summary>
    /// Adds the residual to <paramref name="delta"/>, keeps the k largest magnitudes and stores the rest as the new
    /// residual.
    /// </summary>
    public SparseUpdate Compress(ReadOnlySpan<float> delta)
    {
        if (!TensorPrimitives.IsFiniteAll(delta))
        {
            throw new ArgumentException("The update has a non-finite value (NaN or infinity).", nameof(delta));
        }
        var accumulated = delta.ToArray();
        if (ErrorFeedback && _residual is not null)
        {
            if (_residual.Length != delta.Length)
            {
                throw new ArgumentException($"The residual has {_residual.Length:N0} values; the update has {delta.Length:N0}.", nameof(delta));
            }
            TensorPrimitives.Add(accumulated, _residual, accumulated);
        }
        var k = KeptCount(accumulated.Length);
        var indices = LargestMagnitudes(accumulated, k);
        var values = new float[k];
        for (var i = 0; i < k; i++)
        {
            values[i] = accumulated[indices[i]];
            accumulated[indices[i]] = 0;
        }
        _residual = ErrorFeedback ? accumulated : null;
        return new SparseUpdate(delta.Length, indices, values);
    }

    /// <inheritdoc />
    /// <remarks>Advances the residual: <see cref="Compress"/> then <see cref="Serialize"/>.</remarks>
    public byte[] Encode(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Serialize(Compress(values));
    }

    /// <summary>The wire bytes of <paramref name="update"/>.</summary>
    public static byte[] Serialize(SparseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var k = update.Indices.Length;
        if (update.Values.Length != k)
        {
            throw new ArgumentException("One value per index.", nameof(update));
        }
        var indexBytes = 0;
        for (var i = 0; i < k; i++)
        {
            var gap = i == 0 ? update.Indices[0] : update.Indices[i] - update.Indices[i - 1];
            if ((i == 0 && gap < 0) || (i > 0 && gap < 1) || update.Indices[i] >= update.Length)
            {
                throw new ArgumentException("Indices must be strictly increasing and inside the vector.", nameof(update));
            }
            indexBytes += VarIntLength((uint)gap);
        }
        var payload = new byte[WireFormat.HeaderLength + 4 + indexBytes + (4L * k)];
        WireFormat.WriteHeader(payload, Tag, update.Length);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(WireFormat.HeaderLength), k);
        var at = WireFormat.HeaderLength + 4;
        for (var i = 0; i < k; i++)
        {
            var gap = (uint)(i == 0 ? update.Indices[0] : update.Indices[i] - update.Indices[i - 1]);
            while (gap >= 0x80)
            {
                payload[at++] = (byte)(gap | 0x80);
                gap >>= 7;
            }
            payload[at++] = (byte)gap;
        }
        for (var i = 0; i < k; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(at), update.Values[i]);
            at += 4;
        }
        return payload;
    }

    /// <summary>The sparse update <paramref name="payload"/> carries, for a vector of <paramref name="length"/>.</summary>
    /// <exception cref="FormatException">Truncated, malformed, out-of-range or non-increasing indices, non-finite values.</exception>
    public static SparseUpdate Parse(byte[] payload, int length)
    {
        var reader = WireFormat.ReadHeader(payload, "top-k", Tag, length);
        var k = reader.ReadInt32();
        if (k < 0 || k > length)
        {
            throw new FormatException($"top-k payload: offset {reader.Offset - 4} says {k:N0} values of {length:N0}.");
        }
        // Every index takes at least one byte and every value four: refuse an impossible k before allocating for it.
        if (5L * k > reader.Remaining)
        {
            throw new FormatException(
                $"top-k payload truncated: {k:N0} indices and values need at least {5L * k:N0} bytes at offset {reader.Offset}, {reader.Remaining:N0} left.");
        }
        var indices = new int[k];
        long index = -1;
        for (var i = 0; i < k; i++)
        {
            var at = reader.Offset;
            var gap = reader.ReadVarInt();
            if (i > 0 && gap < 1)
            {
                throw new FormatException($"top-k payload: the index gap at offset {at} is {gap}; indices must be strictly increasing.");
            }
            index = i == 0 ? gap : index + gap;
            if (index >= length)
            {
                throw new FormatException($"top-k payload: the index at offset {at} is {index:N0}, outside a vector of {length:N0}.");
            }
            indices[i] = (int)index;
        }
        var values = new float[k];
        for (var i = 0; i < k; i++)
        {
            var at = reader.Offset;
            values[i] = reader.ReadSingle();
            reader.EnsureFinite(values[i], at);
        }
        reader.EnsureEnd();
        return new SparseUpdate(length, indices, values);
    }

    /// <inheritdoc />
    public float[] Decode(byte[] payload, int length) => Parse(payload, length).ToDense();

    /// <summary>
    /// The indices of the <paramref name="k"/> largest magnitudes, ascending; at the threshold magnitude the lower
    /// indices win. Radix selection on the 31 magnitude bits: a histogram of the top 16 bits finds the threshold's
    /// upper half, a histogram of the low 16 bits among those finds the rest.
    /// </summary>
    internal static int[] LargestMagnitudes(ReadOnlySpan<float> values, int k)
    {
        if (k == 0)
        {
            return [];
        }
        var high = new int[1 << 16];
        foreach (var v in values)
        {
            high[MagnitudeBits(v) >> 16]++;
        }
        var (highBin, neededInHigh) = FindBin(high, k);
        var low = new int[1 << 16];
        foreach (var v in values)
        {
            var bits = MagnitudeBits(v);
            if (bits >> 16 == highBin)
            {
                low[bits & 0xFFFF]++;
            }
        }
        var (lowBin, takeAtThreshold) = FindBin(low, neededInHigh);
        var threshold = ((uint)highBin << 16) | (uint)lowBin;
        var indices = new int[k];
        var n = 0;
        for (var i = 0; i < values.Length && n < k; i++)
        {
            var bits = MagnitudeBits(values[i]);
            if (bits > threshold)
            {
                indices[n++] = i;
            }
            else if (bits == threshold && takeAtThreshold > 0)
            {
                indices[n++] = i;
                takeAtThreshold--;
            }
        }
        return indices;
    }

    /// <summary>Walking bins from the top: the bin holding the <paramref name="rank"/>-th largest, and that value's rank within it.</summary>
    private static (int Bin, int RankInBin) FindBin(int[] histogram, int rank)
    {
        for (var bin = histogram.Length - 1; bin >= 0; bin--)
        {
            if (rank <= histogram[bin])
            {
                return (bin, rank);
            }
            rank -= histogram[bin];
        }
        throw new InvalidOperationException("The histogram holds fewer values than the rank asked.");
    }

    private static uint MagnitudeBits(float v) => BitConverter.SingleToUInt32Bits(v) & 0x7FFF_FFFF;

    private static int VarIntLength(uint value)
    {
        var bytes = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            bytes++;
        }
        return bytes;
    }
}
