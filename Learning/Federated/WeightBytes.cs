using System.Runtime.InteropServices;

namespace OrleansGoRelay.Learning.Federated;

/// <summary>Weight vectors as bytes (float32, little-endian, in the layout's order): how the registry stores them and relays download them.</summary>
public static class WeightBytes
{
    /// <summary>The bytes of <paramref name="weights"/>.</summary>
    public static byte[] Of(float[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return MemoryMarshal.AsBytes(weights.AsSpan()).ToArray();
    }

    /// <summary>The weights in <paramref name="bytes"/> (a trailing partial value is ignored).</summary>
    public static float[] Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var weights = new float[bytes.Length / sizeof(float)];
        bytes.AsSpan(0, weights.Length * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(weights.AsSpan()));
        return weights;
    }
}
