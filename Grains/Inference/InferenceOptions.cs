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
    /// What the sessions run: <c>int8</c> (static quantisation of the version's weights, made once per version on the
    /// silo that serves it; the shipped model's held-out top-1 36.4 % against 36.5 % in fp32, at a third of the time)
    /// or <c>fp32</c> (the registry's ONNX file as it is).
    /// </summary>
    public string Precision { get; set; } = "int8";

    /// <summary>
    /// ONNX Runtime's intra-op threads per session: 1. Measured on the 2-core reference machine with
    /// <c>gorelay bench inference</c>: 2 threads lower the shipped model's p50 (0.7 against 1.0 ms) but put a 5–6 ms p99
    /// tail on every layer (the second thread waits whenever the silo or PostgreSQL holds the other core), and with the
    /// gateway's own work at 64 clients HTTP and MCP serve fewer calls/s; 1 thread keeps p99 near p50.
    /// </summary>
    public int SessionThreads { get; set; } = 1;

    /// <summary>How long a deposit stays locked before it returns to the client by itself.</summary>
    public int ChannelTimeoutSeconds { get; set; } = 3600;
}
