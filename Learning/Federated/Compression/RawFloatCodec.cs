using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace OrleansGoRelay.Learning.Federated.Compression;

/// <summary>
/// No compression, the baseline the others are measured against: the header, then every value as a little-endian
/// float32 (8 + 4·n bytes). Decoding refuses NaN and infinity, which no honest update holds.
/// </summary>
public sealed class RawFloatCodec : IUpdateCodec
{
    internal const byte Tag = (byte)'N';

    /// <inheritdoc />
    public string Name => "none";

    /// <summary>Bytes for <paramref name="length"/> values.</summary>
    public static long EncodedLength(int length) => WireFormat.HeaderLength + (4L * length);

    /// <inheritdoc />
    public byte[] Encode(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var payload = new byte[EncodedLength(values.Length)];
        WireFormat.WriteHeader(payload, Tag, values.Length);
        var body = payload.AsSpan(WireFormat.HeaderLength);
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(body);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body[(4 * i)..], values[i]);
            }
        }
        return payload;
    }

    /// <inheritdoc />
    public float[] Decode(byte[] payload, int length)
    {
        var reader = WireFormat.ReadHeader(payload, Name, Tag, length);
        var body = reader.Take(checked(4 * length));
        reader.EnsureEnd();
        var values = new float[length];
        if (BitConverter.IsLittleEndian)
        {
            body.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (var i = 0; i < length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(4 * i)..]);
            }
        }
        if (!TensorPrimitives.IsFiniteAll<float>(values))
        {
            var bad = Array.FindIndex(values, v => !float.IsFinite(v));
            reader.EnsureFinite(values[bad], WireFormat.HeaderLength + (4 * bad));
        }
        return values;
    }
}
