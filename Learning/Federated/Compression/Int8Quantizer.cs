using System.Buffers.Binary;
using System.Numerics.Tensors;

namespace OrleansGoRelay.Learning.Federated.Compression;

/// <summary>
/// Symmetric 8-bit quantisation with one scale per segment (per tensor of a <see cref="ParameterLayout"/>, since
/// tensors differ in magnitude by orders): scale s = max|x| / 127 over the segment, q = round(x / s) in [−127, 127],
/// decoded as q·s. Deterministic rounding (to nearest, ties to even) errs by at most s/2 per value; stochastic
/// rounding (round up with probability equal to the fractional part, as in QSGD, Alistarh et al. 2017) errs by less
/// than s but is unbiased, E[q·s] = x, so errors average out over clients and rounds.
/// </summary>
/// <remarks>
/// Wire format after the common header: int32 segment count S, S × (int32 segment length, float32 scale), then one
/// signed byte per value (−128 is never written and is refused). The segment lengths travel with the payload, so the
/// receiver needs no layout: 8 + 4 + 8·S + n bytes, about a quarter of float32.
/// Stochastic rounding draws from one <see cref="Random"/> seeded at construction, so a given sequence of encodes is
/// reproducible.
/// </remarks>
public sealed class Int8Quantizer : IUpdateCodec
{
    internal const byte Tag = (byte)'Q';
    private readonly int[]? _segmentLengths;
    private readonly Random? _random;

    /// <summary>A quantiser with one scale for the whole vector.</summary>
    public Int8Quantizer(bool stochasticRounding = false, int seed = 0)
    {
        StochasticRounding = stochasticRounding;
        _random = stochasticRounding ? new Random(seed) : null;
    }

    /// <summary>A quantiser with one scale per segment; the segments (positive lengths) tile the vector in order.</summary>
    public Int8Quantizer(IReadOnlyList<int> segmentLengths, bool stochasticRounding = false, int seed = 0)
        : this(stochasticRounding, seed)
    {
        ArgumentNullException.ThrowIfNull(segmentLengths);
        long total = 0;
        foreach (var length in segmentLengths)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(length, 1, nameof(segmentLengths));
            total += length;
        }
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, int.MaxValue, nameof(segmentLengths));
        _segmentLengths = [.. segmentLengths];
    }

    /// <summary>A quantiser with one scale per tensor of <paramref name="layout"/>.</summary>
    public static Int8Quantizer ForLayout(ParameterLayout layout, bool stochasticRounding = false, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new Int8Quantizer([.. layout.Tensors.Select(t => t.Length)], stochasticRounding, seed);
    }

    /// <summary>Whether values are rounded stochastically (unbiased) rather than to nearest.</summary>
    public bool StochasticRounding { get; }

    /// <inheritdoc />
    public string Name => "int8";

    /// <summary>Bytes for a vector of <paramref name="length"/> values in <paramref name="segments"/> segments.</summary>
    public static long EncodedLength(int length, int segments) => WireFormat.HeaderLength + 4L + (8L * segments) + length;

    /// <summary>The scale of a segment: its largest magnitude / 127 (the smallest positive float if that underflows; 0 for all zeros).</summary>
    public static float ScaleOf(ReadOnlySpan<float> segment)
    {
        if (segment.IsEmpty)
        {
            return 0;
        }
        var max = Math.Abs(TensorPrimitives.MaxMagnitude(segment));
        var scale = max / 127f;
        return scale == 0 && max > 0 ? float.Epsilon : scale;
    }

    /// <inheritdoc />
    public byte[] Encode(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var segments = _segmentLengths ?? (values.Length == 0 ? [] : [values.Length]);
        long total = 0;
        foreach (var length in segments)
        {
            total += length;
        }
        if (total != values.Length)
        {
            throw new ArgumentException($"The quantiser's segments cover {total:N0} values; the vector has {values.Length:N0}.", nameof(values));
        }
        if (!TensorPrimitives.IsFiniteAll<float>(values))
        {
            throw new ArgumentException("The vector has a non-finite value (NaN or infinity); it cannot be quantised.", nameof(values));
        }
        var payload = new byte[EncodedLength(values.Length, segments.Length)];
        WireFormat.WriteHeader(payload, Tag, values.Length);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(WireFormat.HeaderLength), segments.Length);
        var table = WireFormat.HeaderLength + 4;
        var body = table + (8 * segments.Length);
        var offset = 0;
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = values.AsSpan(offset, segments[s]);
            var scale = ScaleOf(segment);
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(table + (8 * s)), segments[s]);
            BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(table + (8 * s) + 4), scale);
            var codes = payload.AsSpan(body + offset, segments[s]);
            if (scale > 0)
            {
                Quantize(segment, scale, codes);
            }
            offset += segments[s];
        }
        return payload;
    }

    private void Quantize(ReadOnlySpan<float> segment, float scale, Span<byte> codes)
    {
        double inverse = 1.0 / scale;
        for (var i = 0; i < segment.Length; i++)
        {
            var r = segment[i] * inverse;
            double q;
            if (_random is null)
            {
                q = Math.Round(r);
            }
            else
            {
                q = Math.Floor(r);
                if (_random.NextDouble() < r - q)
                {
                    q++;
                }
            }
            codes[i] = (byte)(sbyte)Math.Clamp(q, -127, 127);
        }
    }

    /// <inheritdoc />
    public float[] Decode(byte[] payload, int length)
    {
        var reader = WireFormat.ReadHeader(payload, Name, Tag, length);
        var segmentCount = reader.ReadInt32();
        if (segmentCount < 0 || segmentCount > length || (length > 0 && segmentCount == 0))
        {
            throw new FormatException($"int8 payload: offset {reader.Offset - 4} says {segmentCount:N0} segments for {length:N0} values.");
        }
        var lengths = new int[segmentCount];
        var scales = new float[segmentCount];
        long covered = 0;
        for (var s = 0; s < segmentCount; s++)
        {
            var at = reader.Offset;
            lengths[s] = reader.ReadInt32();
            if (lengths[s] < 1)
            {
                throw new FormatException($"int8 payload: segment {s} at offset {at} has length {lengths[s]}.");
            }
            covered += lengths[s];
            scales[s] = reader.ReadSingle();
            if (!float.IsFinite(scales[s]) || scales[s] < 0)
            {
                throw new FormatException($"int8 payload: segment {s}'s scale at offset {at + 4} is {scales[s]}; scales are finite and ≥ 0.");
            }
        }
        if (covered != length)
        {
            throw new FormatException($"int8 payload: the segments (offsets {WireFormat.HeaderLength + 4} on) cover {covered:N0} values, not {length:N0}.");
        }
        var body = reader.Offset;
        var codes = reader.Take(length);
        reader.EnsureEnd();
        var values = new float[length];
        var offset = 0;
        for (var s = 0; s < segmentCount; s++)
        {
            var scale = scales[s];
            for (var i = offset; i < offset + lengths[s]; i++)
            {
                var q = (sbyte)codes[i];
                if (q == sbyte.MinValue)
                {
                    throw new FormatException($"int8 payload: the code at offset {body + i} is −128, outside [−127, 127].");
                }
                values[i] = q * scale;
            }
            offset += lengths[s];
        }
        return values;
    }
}
