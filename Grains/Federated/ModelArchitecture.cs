using System.Globalization;
using System.Text.Json;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>How a version's net shape is stored (JSON of <see cref="NetConfig"/>) and shown.</summary>
public static class ModelArchitecture
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>The stored form.</summary>
    public static string Of(NetConfig config) => JsonSerializer.Serialize(config, Json);

    /// <summary>The shape back from its stored form.</summary>
    public static NetConfig Parse(string json) => JsonSerializer.Deserialize<NetConfig>(json, Json) ?? throw new InvalidDataException("An architecture is a net config.");

    /// <summary>"9×9, 2 blocks × 16 channels" from the stored form.</summary>
    public static string Describe(string json)
    {
        var c = Parse(json);
        return string.Create(CultureInfo.InvariantCulture, $"{c.BoardSize}x{c.BoardSize} resnet {c.Blocks}x{c.Channels} (value {c.ValueHidden})");
    }

    /// <summary>The wire form of the shape, from its stored form.</summary>
    public static Contracts.Federated.ModelShape Shape(string json)
    {
        var c = Parse(json);
        return new Contracts.Federated.ModelShape(c.BoardSize, c.Blocks, c.Channels, c.ValueHidden);
    }

    /// <summary>Weights as float32 little-endian bytes.</summary>
    public static byte[] ToBytes(float[] weights) => WeightBytes.Of(weights);

    /// <summary>Weights from float32 little-endian bytes.</summary>
    public static float[] FromBytes(byte[] bytes) => WeightBytes.Read(bytes);

    /// <summary>The registry's hash of a version: SHA-256 over its architecture and weights.</summary>
    public static string Hash(string architecture, byte[] weights) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. System.Text.Encoding.UTF8.GetBytes(architecture), .. weights]));
}
