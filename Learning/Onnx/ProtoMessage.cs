using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansGoRelay.Learning.Onnx;

/// <summary>
/// A protocol-buffers message written field by field (the wire format only: varints, 32-bit floats and
/// length-delimited fields). ONNX's schema is small and stable, so the exporter writes it with this instead of code
/// generated from <c>onnx.proto</c>, which would need the schema and a compiler on every build machine.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly ArrayBufferWriter<byte> _bytes = new();

    public ProtoMessage Int64(int field, long value)
    {
        Tag(field, 0);
        Varint((ulong)value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _bytes.Write(bytes);
        return this;
    }

    public ProtoMessage Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _bytes.Write(value);
        return this;
    }

    public ProtoMessage String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoMessage Message(int field, ProtoMessage value) => Bytes(field, value.ToArray());

    /// <summary>A repeated int64, one field per value (what proto2's unpacked encoding writes; every reader accepts it).</summary>
    public ProtoMessage Int64s(int field, IEnumerable<long> values)
    {
        foreach (var value in values)
        {
            Int64(field, value);
        }
        return this;
    }

    public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    private void WriteByte(byte value)
    {
        _bytes.GetSpan(1)[0] = value;
        _bytes.Advance(1);
    }
}
