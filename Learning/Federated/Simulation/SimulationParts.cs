using OrleansGoRelay.Learning.Federated.Aggregation;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Privacy;
using OrleansGoRelay.Learning.Federated.SecureAggregation;
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
    private readonly ParameterLayout _layout;
    private readonly int _length;
    private readonly int _population;
    private readonly ClientSampler _sampler;
    private readonly IAggregationRule? _rule;
    private readonly CoordinateMedian _median = new();
    private readonly IServerOptimizer _server;
    private readonly Dictionary<string, IUpdateCodec> _codecs = new(StringComparer.Ordinal);
    private readonly double _samplingRate;
    private readonly DifferentiallyPrivateAggregator? _dp;

    public SimulationParts(SimulationOptions options, ParameterLayout layout, int population)
    {
        _options = options;
        _layout = layout;
        _length = layout.Length;
        _population = population;
        _samplingRate = (double)options.ClientsPerRound / population;
        _sampler = new ClientSampler(_samplingRate, options.ClientsPerRound, options.StakeWeighted ? SamplingMode.StakeWeighted : SamplingMode.Uniform, options.Seed);
        Refuse(options);
        var strategy = options.Strategy == "fedprox" ? "fedavg" : options.Strategy;
        _rule = strategy == "central" ? null : AggregationRules.Create(strategy, options.ByzantineF, options.TrimBeta);
        // A rule whose precondition the round size cannot meet is refused before any client trains.
        var minimum = _rule is IRuleWithMinimum bounded ? bounded.MinimumClients : 1;
        if (options.ClientsPerRound < minimum)
        {
            throw new AggregationRefusedException(
                $"{options.Strategy} with f = {options.ByzantineF} needs at least {minimum} clients a round; {options.ClientsPerRound} are sampled.");
        }
        _server = ServerOptimizers.Create(options.ServerOptimizer, options.ServerLearningRate, options.ServerMomentum);
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
    }

    /// <summary>z, with differential privacy.</summary>
    public double? NoiseMultiplier { get; }

    /// <summary>The current clipping bound S, with differential privacy.</summary>
    public double? ClipNorm => _dp?.ClipNorm;

    /// <summary>ε spent so far at the budget's δ, with differential privacy.</summary>
    public double? Epsilon => _dp?.EpsilonSpent;

    /// <summary>The validation's thresholds; with differential privacy no update may exceed the current clip bound.</summary>
    public UpdateValidationOptions ValidationOptions => new(MaxNorm: _dp is null ? double.PositiveInfinity : _dp.ClipNorm * 1.0001);

    private string CodecName => _options.Codec is "topk" ? "top-k" : _options.Codec;

    /// <summary>Why round <paramref name="round"/> must not run (its privacy cost would overspend the budget), or null.</summary>
    public string? BudgetExhaustedBefore(int round) =>
        _dp is { CanAffordRound: false }
            ? $"privacy budget: round {round} would take ε to {_dp.EpsilonAfterNextRound:G3}, past {_options.Privacy!.Epsilon:G3} (spent {_dp.EpsilonSpent:G3})"
            : null;

    /// <summary>The noise's deviation per coordinate in the last round, with differential privacy.</summary>
    public double? LastNoiseStd => _dp?.LastRound?.NoiseStandardDeviation;

    /// <summary>
    /// Round <paramref name="round"/>'s clients. With differential privacy each client is taken independently with
    /// probability q (Poisson sampling, what the accountant's sampled Gaussian mechanism assumes; the round's size varies
    /// around q·N and the fixed denominator does not depend on it); otherwise the sampler's fixed count.
    /// </summary>
    public IReadOnlyList<string> Sample(IReadOnlyList<ClientData> clients, int round)
    {
        if (_dp is not null)
        {
            var random = new Random(SeedMix.Of(SeedMix.Sampling, _options.Seed, round));
            return [.. clients.Where(_ => random.NextDouble() < _samplingRate).Select(c => c.ClientId)];
        }
        return _sampler.Sample([.. clients.Select(c => new SamplingCandidate(c.ClientId, c.Positions.Count))], round);
    }

    /// <summary>What the server receives of <paramref name="delta"/> after the codec, and the bytes it took.</summary>
    public (float[] Received, long Bytes) Transmit(string clientId, float[] delta)
    {
        if (!_codecs.TryGetValue(clientId, out var codec))
        {
            _codecs[clientId] = codec = UpdateCodecs.Create(CodecName, _layout, _options.TopKFraction, seed: _options.Seed);
        }
        var bytes = codec.Encode(delta);
        return (codec.Decode(bytes, delta.Length), bytes.Length);
    }

    /// <summary>
    /// The round's robust centre: the coordinate-wise median of the updates that can have one (the model's shape, finite);
    /// null when none can. The malformed ones are left to the validator, which rejects each alone.
    /// </summary>
    public float[]? Median(IReadOnlyList<ClientUpdate> updates)
    {
        var sound = updates.Where(u => u.Delta.Length == _layout.Length && VectorMath.AllFinite(u.Delta)).ToList();
        return sound.Count == 0 ? null : _median.Aggregate(sound);
    }

    /// <summary>The round's aggregate: DP-FedAvg (clipped, noised, accounted) with differential privacy, else the rule's.</summary>
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates)
    {
        if (_dp is null)
        {
            return updates.Count == 0 ? throw new AggregationRefusedException("no update arrived this round") : _rule!.Aggregate(updates);
        }
        if (updates.Count == 0)
        {
            // Nobody answered: the release still happens (pure noise) and is accounted, or the empty round would leak.
            var noise = new float[_length];
            _dp.Release(noise, 0, 0);
            return noise;
        }
        return _dp.Aggregate(updates);
    }

    /// <summary>The server's step (<see cref="Aggregation.ServerStep"/>) with the run's optimiser.</summary>
    public float[] ServerStep(float[] global, float[] aggregate) => Aggregation.ServerStep.Apply(_server, _layout, global, aggregate);

    /// <summary>
    /// The round's aggregate through secure aggregation: every sampled client takes part in the key stages, the dropped
    /// ones vanish before their masked input (the costliest case: their pairwise masks must be rebuilt from shares). Each
    /// client masks [w·Δ, w, 1 if ‖Δ‖ ≤ S]: the weight and the count below the clip bound travel inside the secure sum, so
    /// the server divides by the weight it learns only in total (FedAvg), or hands the sum to DP-FedAvg's release.
    /// Bytes counted: the masked inputs (4 bytes a coordinate); the key and share messages are a few kB a client.
    /// </summary>
    public (float[] Aggregate, IReadOnlySet<string> Survivors, long Bytes) SecureSum(IReadOnlyList<ClientUpdate> updates, IReadOnlyList<string> sampled, IReadOnlySet<string> dropped, int round)
    {
        var secure = _options.SecureAggregation!;
        var byId = updates.ToDictionary(u => u.ClientId, StringComparer.Ordinal);
        var participants = sampled.Where(id => byId.ContainsKey(id) || dropped.Contains(id)).ToList();
        var maxExamples = updates.Count == 0 ? 1 : updates.Max(u => u.Examples);
        var inputs = new List<float[]>(participants.Count);
        var dropouts = new Dictionary<int, DropoutStage>();
        for (var i = 0; i < participants.Count; i++)
        {
            var input = new float[_length + 2];
            if (byId.TryGetValue(participants[i], out var update))
            {
                var weight = _dp is not null ? 1f : (float)((double)update.Examples / maxExamples);
                var delta = update.Delta;
                var within = true;
                if (_dp is not null)
                {
                    // The client clips before masking; its flag says whether it was within the bound (adaptive clipping's count).
                    var clipped = L2Clipping.Clip(delta, _dp.ClipNorm);
                    delta = clipped.Delta;
                    within = !clipped.WasClipped;
                }
                for (var j = 0; j < _length; j++)
                {
                    input[j] = weight * delta[j];
                }
                input[_length] = weight;
                input[_length + 1] = within ? 1 : 0;
            }
            else
            {
                dropouts[i] = DropoutStage.BeforeMaskedInput;
            }
            inputs.Add(input);
        }
        var config = SecureAggregationConfig.Create($"round-{round}", participants.Count, _length + 2, secure.ClipValue, secure.Neighbours, graphSeed: SeedMix.Of(SeedMix.Graph, _options.Seed, round));
        var result = SecureAggregationRound.Run(config, inputs, dropouts);
        var sum = result.Sum;
        var survivors = result.Included.Select(i => participants[i]).ToHashSet(StringComparer.Ordinal);
        var aggregate = sum.AsSpan(0, _length).ToArray();
        if (_dp is not null)
        {
            _dp.Release(aggregate, survivors.Count, (int)Math.Round(sum[_length + 1]));
        }
        else if (sum[_length] > 0)
        {
            VectorMath.Scale(aggregate, 1 / sum[_length]);
        }
        return (aggregate, survivors, (long)survivors.Count * (_length + 2) * sizeof(uint));
    }

    /// <summary>Combinations the simulator would otherwise silently ignore, refused with what to do instead.</summary>
    private static void Refuse(SimulationOptions options)
    {
        var averaging = options.Strategy is "fedavg" or "fedprox";
        string? why = (options.Strategy, options.Privacy, options.SecureAggregation) switch
        {
            ("central", { }, _) or ("central", _, { }) => "the centralised reference runs without privacy or secure aggregation",
            ("central", _, _) when options.Dropout > 0 || options.Malicious > 0 => "the centralised reference has no clients to drop out or attack",
            ("central", _, _) when options.Shapley != Contributions.ShapleyMethod.None => "the centralised reference has no clients to value",
            (_, { }, _) when !averaging => $"differential privacy is DP-FedAvg; --strategy {options.Strategy} has no private variant here",
            (_, { }, _) when options.ValidateUpdates => "--validate judges each update against the others, which breaks the sensitivity bound the DP noise is sized for",
            (_, { }, _) when options.StakeWeighted => "stake-weighted sampling gives large clients more than the accounted probability q",
            (_, _, { }) when !averaging => $"secure aggregation sums updates; --strategy {options.Strategy} needs to see each one",
            (_, _, { }) when options.ValidateUpdates || options.Shapley != Contributions.ShapleyMethod.None => "with secure aggregation the server never sees a single update to validate or value",
            (_, _, { }) when options.Codec != "none" => "secure aggregation sends fixed-point vectors in Z_2^32; --codec applies to plain updates",
            (_, _, { ClipValue: < 1 }) => "secure aggregation's clip value must be at least 1 (it carries the weight and the count)",
            _ => null,
        };
        if (why is not null)
        {
            throw new ArgumentException($"Cannot combine these options: {why}.", nameof(options));
        }
    }
}
