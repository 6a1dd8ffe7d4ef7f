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

    /// <summary>
    /// The most positions one ONNX Runtime run takes. Batches form only from requests that queued while the previous
    /// run was busy (no timer), so a lone request is never held; 1 turns batching off (<c>gorelay bench inference</c>
    /// measures both).
    /// </summary>
    public int MaxBatch { get; set; } = 32;

    /// <summary>
    /// ONNX Runtime's intra-op threads per session: 2, measured best on the 2-core reference machine (p50 0.9 ms
    /// instead of 1.2 ms for the shipped model, and batches of 32 run 1.8× the positions/s of batch 1 instead of 1.1×).
    /// </summary>
    public int SessionThreads { get; set; } = 2;

    /// <summary>How long a deposit stays locked before it returns to the client by itself.</summary>
    public int ChannelTimeoutSeconds { get; set; } = 3600;
}
