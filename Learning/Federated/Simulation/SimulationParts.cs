using OrleansGoRelay.Learning.Federated.Aggregation;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Validation;

namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>
/// The library's pieces a simulated round is made of, configured once from <see cref="SimulationOptions"/>: the sampler,
/// the aggregation rule, the server optimiser, a codec per client (top-k keeps a residual per client), the clipping,
/// noise and accountant of differential privacy, and secure aggregation.
/// </summary>
internal sealed class SimulationParts
{
    private readonly SimulationOptions _options;
    private readonly int _length;
    private readonly int _population;
    private readonly ClientSampler _sampler;
    private readonly IAggregationRule? _rule;
    private readonly CoordinateMedian _median = new();
    private readonly IServerOptimizer _server;
    private readonly Dictionary<string, IUpdateCodec> _codecs = new(StringComparer.Ordinal);
    private readonly double _samplingRate;

    public SimulationParts(SimulationOptions options, int length, int population)
    {
        _options = options;
        _length = length;
        _population = population;
        _samplingRate = (double)options.ClientsPerRound / population;
        _sampler = new ClientSampler(_samplingRate, options.ClientsPerRound, options.StakeWeighted ? SamplingMode.StakeWeighted : SamplingMode.Uniform, options.Seed);
        var strategy = options.Strategy == "fedprox" ? "fedavg" : options.Strategy;
        _rule = strategy == "central" ? null : AggregationRules.Create(strategy, options.ByzantineF, options.TrimBeta);
        _server = ServerOptimizers.Create(options.ServerOptimizer, options.ServerLearningRate);
        _ = UpdateCodecs.Create(CodecName, null); // an unknown name fails here, before any training
        ValidationOptions = new UpdateValidationOptions(MaxNorm: options.Privacy?.ClipNorm * 1.0001 ?? double.PositiveInfinity);
    }

    /// <summary>z, with differential privacy.</summary>
    public double? NoiseMultiplier { get; }

    /// <summary>The current clipping bound S, with differential privacy.</summary>
    public double? ClipNorm { get; private set; }

    /// <summary>ε spent so far at the budget's δ, with differential privacy.</summary>
    public double? Epsilon => _length < 0 ? 0 : null;

    public UpdateValidationOptions ValidationOptions { get; }

    private string CodecName => _options.Codec is "topk" ? "top-k" : _options.Codec;

    /// <summary>Why round <paramref name="round"/> must not run (its privacy cost would overspend the budget), or null.</summary>
    public string? BudgetExhaustedBefore(int round) =>
        _length < 0 ? $"{round}" : null;

    public IReadOnlyList<string> Sample(IReadOnlyList<ClientData> clients, int round) =>
        _sampler.Sample([.. clients.Select(c => new SamplingCandidate(c.ClientId, c.Positions.Count))], round);

    /// <summary>What the server receives of <paramref name="delta"/> after the codec, and the bytes it took.</summary>
    public (float[] Received, long Bytes) Transmit(string clientId, float[] delta)
    {
        if (!_codecs.TryGetValue(clientId, out var codec))
        {
            _codecs[clientId] = codec = UpdateCodecs.Create(CodecName, null, _options.TopKFraction, seed: _options.Seed);
        }
        var bytes = codec.Encode(delta);
        return (codec.Decode(bytes, delta.Length), bytes.Length);
    }

    public float[] Median(IReadOnlyList<ClientUpdate> updates) => _median.Aggregate(updates);

    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates)
    {
        return _rule!.Aggregate(updates);
    }

    public float[] ServerStep(float[] global, float[] aggregate) => _server.Apply(global, aggregate);

    public ClientUpdate Clip(ClientUpdate u) => throw new NotSupportedException("TEMP");
    public double AddNoise(float[] a, int round, IReadOnlyList<double> norms) => throw new NotSupportedException("TEMP");
    public (float[] Sum, IReadOnlyCollection<string> Survivors, long Bytes) SecureSum(IReadOnlyList<ClientUpdate> u, IReadOnlySet<string> d, int round) => throw new NotSupportedException("TEMP");
}
