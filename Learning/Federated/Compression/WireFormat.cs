using System.Buffers.Binary;

namespace OrleansGoRelay.Learning.Federated.Compression;

/// <summary>The header every codec's payload starts with, and a checked little-endian reader.</summary>
internal static class WireFormat
{
    /// <summary>'F', 'L', tag, version, int32 length.</summary>
    public const int HeaderLength = 8;

    public const byte Version = 1;

    public static void WriteHeader(Span<byte> destination, byte tag, int length)
    {
        destination[0] = (byte)'F';
        destination[1] = (byte)'L';
        destination[2] = tag;
        destination[3] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], length);
    }

    /// <summary>Checks the header against the codec and the expected length; returns a reader positioned after it.</summary>
    public static WireReader ReadHeader(byte[] payload, string codec, byte tag, int length)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var reader = new WireReader(payload, codec);
        if (reader.ReadByte() != (byte)'F' || reader.ReadByte() != (byte)'L')
        {
            throw new FormatException($"{codec} payload: bytes 0-1 are not the magic 'FL'; this is not an update payload.");
        }
        var actualTag = reader.ReadByte();
        if (actualTag != tag)
        {
            throw new FormatException($"{codec} payload: offset 2 holds codec tag '{(char)actualTag}', expected '{(char)tag}' (sent with another codec?).");
        }
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new FormatException($"{codec} payload: offset 3 holds format version {version}; this reader knows version {Version}.");
        }
        var encodedLength = reader.ReadInt32();
        if (encodedLength != length)
        {
            throw new FormatException($"{codec} payload: offset 4 says {encodedLength:N0} values; {length:N0} were expected.");
        }
        return reader;
    }
}

/// <summary>Reads little-endian numbers from a payload, throwing <see cref="FormatException"/> with the offset when it runs out.</summary>
internal sealed class WireReader(byte[] payload, string codec)
{
    /// <summary>The next byte to read.</summary>
    public int Offset { get; private set; }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => payload.Length - Offset;

    public string Codec => codec;

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>An unsigned LEB128 varint of at most 5 bytes that fits in 31 bits.</summary>
    public int ReadVarInt()
    {
        var start = Offset;
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte();
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (shift == 28 && b > 0x07)
                {
                    break;
                }
                return (int)value;
            }
        }
        throw new FormatException($"{codec} payload: the varint at offset {start} is longer than 5 bytes or exceeds 2³¹ − 1.");
    }

    /// <summary>The next <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new FormatException(
                $"{codec} payload truncated: {count:N0} bytes needed at offset {Offset:N0}, {Math.Max(0, Remaining):N0} left of {payload.Length:N0}.");
        }
        var span = payload.AsSpan(Offset, count);
        Offset += count;
        return span;
    }

    /// <summary>Throws unless every byte has been read.</summary>
    public void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw new FormatException($"{codec} payload: {Remaining:N0} unexpected bytes after the end, at offset {Offset:N0}.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> (read just before offset <paramref name="at"/>) is finite.</summary>
    public void EnsureFinite(float value, int at)
    {
        if (!float.IsFinite(value))
        {
            throw new FormatException($"{codec} payload: the float at offset {at:N0} is {value} (NaN or infinity).");
        }
    }
}
