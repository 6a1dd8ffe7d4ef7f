namespace OrleansGoRelay.Learning.Federated.Compression;

/// <summary>
/// How a client's update travels: an exact byte string (its <c>Length</c> is the bytes on the wire) and back.
/// Decoding checks everything it reads and throws <see cref="FormatException"/> naming the offset of the first fault.
/// </summary>
/// <remarks>
/// Every format starts with the same 8-byte header: 'F', 'L', the codec's tag byte, the format version (1), and the
/// vector length as a little-endian int32; all numbers are little-endian. A codec may keep state on the sending side
/// (<see cref="TopKSparsifier"/>'s residual, <see cref="Int8Quantizer"/>'s random stream), so use one instance per
/// client and do not share it between threads; decoding is stateless.
/// </remarks>
public interface IUpdateCodec
{
    /// <summary>The codec's name as the CLI spells it (<c>none</c>, <c>int8</c>, <c>top-k</c>).</summary>
    string Name { get; }

    /// <summary>The bytes that carry <paramref name="values"/>.</summary>
    byte[] Encode(float[] values);

    /// <summary>The vector of <paramref name="length"/> floats that <paramref name="payload"/> carries.</summary>
    /// <exception cref="FormatException">The payload is truncated, malformed, of another codec or of another length.</exception>
    float[] Decode(byte[] payload, int length);
}

/// <summary>The codecs by name.</summary>
public static class UpdateCodecs
{
    /// <summary>The valid names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["none", "int8", "top-k"];

    /// <summary>
    /// A new codec called <paramref name="name"/> (case-insensitive): <c>none</c> (raw float32), <c>int8</c> (one scale per
    /// tensor of <paramref name="layout"/>, or one for the whole vector without it; stochastic rounding seeded with
    /// <paramref name="seed"/> if asked) or <c>top-k</c> (keeping <paramref name="topKFraction"/> of the values, with error
    /// feedback). Stateful codecs are per client: create one for each.
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of <see cref="Names"/>.</exception>
    public static IUpdateCodec Create(
        string name, ParameterLayout? layout = null, double topKFraction = 0.01, bool stochasticRounding = false, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "none" => new RawFloatCodec(),
            "int8" => layout is null ? new Int8Quantizer(stochasticRounding, seed) : Int8Quantizer.ForLayout(layout, stochasticRounding, seed),
            "top-k" => new TopKSparsifier(topKFraction),
            _ => throw new ArgumentException($"Unknown update codec '{name}'; valid: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
