using OrleansGoRelay.Learning.Federated.Aggregation;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Privacy;
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
    private readonly DifferentiallyPrivateAggregator? _dp;

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
        if (options.Privacy is { } privacy)
        {
            // Uniform client weights (w = 1): the aggregate is the sum of clipped deltas over the expected clients per round.
            NoiseMultiplier = privacy.NoiseMultiplier ?? RdpAccountant.NoiseMultiplierFor(privacy.Epsilon, privacy.Delta, _samplingRate, options.Rounds);
            // Andrew et al.'s recommended learning rate and count noise (m/20), aimed at the asked quantile.
            var recommended = AdaptiveClippingOptions.Recommended(options.ClientsPerRound);
            _dp = new DifferentiallyPrivateAggregator(new DpFedAvgOptions(privacy.ClipNorm, NoiseMultiplier.Value, _samplingRate, population)
            {
                Seed = (ulong)options.Seed,
                Budget = new PrivacyBudget(privacy.Epsilon, privacy.Delta),
                AdaptiveClipping = privacy.AdaptiveQuantile is { } quantile
                    ? new AdaptiveClippingOptions(quantile, recommended.LearningRate, recommended.CountNoiseStandardDeviation)
                    : null,
            });
        }
        ValidationOptions = new UpdateValidationOptions(MaxNorm: options.Privacy?.ClipNorm * 1.0001 ?? double.PositiveInfinity);
    }

    /// <summary>z, with differential privacy.</summary>
    public double? NoiseMultiplier { get; }

    /// <summary>The current clipping bound S, with differential privacy.</summary>
    public double? ClipNorm => _dp?.ClipNorm;

    /// <summary>ε spent so far at the budget's δ, with differential privacy.</summary>
    public double? Epsilon => _dp?.EpsilonSpent;

    public UpdateValidationOptions ValidationOptions { get; }

    private string CodecName => _options.Codec is "topk" ? "top-k" : _options.Codec;

    /// <summary>Why round <paramref name="round"/> must not run (its privacy cost would overspend the budget), or null.</summary>
    public string? BudgetExhaustedBefore(int round) =>
        _dp is { CanAffordRound: false }
            ? $"privacy budget: round {round} would take ε to {_dp.EpsilonAfterNextRound:G3}, past {_options.Privacy!.Epsilon:G3} (spent {_dp.EpsilonSpent:G3})"
            : null;

    /// <summary>The noise's deviation per coordinate in the last round, with differential privacy.</summary>
    public double? LastNoiseStd => _dp?.LastRound?.NoiseStandardDeviation;

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

    /// <summary>The round's aggregate: DP-FedAvg (clipped, noised, accounted) with differential privacy, else the rule's.</summary>
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates) => _dp is not null ? _dp.Aggregate(updates) : _rule!.Aggregate(updates);

    public float[] ServerStep(float[] global, float[] aggregate) => _server.Apply(global, aggregate);

    /// <summary>The update clipped to the current bound (what the validation then sees and DP-FedAvg sums).</summary>
    public ClientUpdate Clip(ClientUpdate update) => update with { Delta = L2Clipping.Clip(update.Delta, _dp!.ClipNorm).Delta };
    public (float[] Sum, IReadOnlyCollection<string> Survivors, long Bytes) SecureSum(IReadOnlyList<ClientUpdate> u, IReadOnlySet<string> d, int round) => throw new NotSupportedException("TEMP");
}
