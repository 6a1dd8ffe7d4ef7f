namespace OrleansGoRelay.Grains.Inference;

/// <summary>Paid inference: pricing tiers and how channels settle (configuration section <c>Inference</c>).</summary>
public sealed class InferenceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference";

    /// <summary>Base units per call by pricing tier (standard: 0.001 MCP).</summary>
    public Dictionary<string, long> PricePerCall { get; set; } = new(StringComparer.Ordinal) { ["standard"] = 1_000_000, ["bulk"] = 500_000 };

    /// <summary>How often an open channel settles what was drawn (the most revenue a silo crash can lose is what was drawn since).</summary>
    public TimeSpan SettleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a deposit stays locked before it returns to the client by itself.</summary>
    public int ChannelTimeoutSeconds { get; set; } = 3600;
}
