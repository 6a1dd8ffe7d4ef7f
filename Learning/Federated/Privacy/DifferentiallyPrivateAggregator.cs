using System.Numerics.Tensors;
using System.Security.Cryptography;

namespace OrleansGoRelay.Learning.Federated.Privacy;

/// <summary>
/// Settings of DP-FedAvg (McMahan, Ramage, Talwar, Zhang 2018, "Learning Differentially Private Recurrent Language
/// Models"), for user-level (client-level) differential privacy.
/// </summary>
/// <param name="ClipNorm">S: every client's delta is clipped to L2 norm S (the starting value when clipping is adaptive), above 0.</param>
/// <param name="NoiseMultiplier">z: the noise on the sum is z·S (standard deviation per coordinate, before the fixed denominator); with adaptive clipping, the total over deltas and count. 0 adds no noise and spends an infinite ε.</param>
/// <param name="SamplingRate">q: the probability with which the round code samples each client into a round (Poisson sampling, which the accountant assumes), in (0, 1].</param>
/// <param name="Population">N: how many clients the round code samples from.</param>
public sealed record DpFedAvgOptions(double ClipNorm, double NoiseMultiplier, double SamplingRate, long Population)
{
    /// <summary>S, the (starting) clip norm.</summary>
    public double ClipNorm { get; } = ClipNorm > 0 && double.IsFinite(ClipNorm)
        ? ClipNorm
        : throw new ArgumentOutOfRangeException(nameof(ClipNorm), ClipNorm, "The clip norm is finite and above 0.");

    /// <summary>z, the noise multiplier.</summary>
    public double NoiseMultiplier { get; } = NoiseMultiplier >= 0 && double.IsFinite(NoiseMultiplier)
        ? NoiseMultiplier
        : throw new ArgumentOutOfRangeException(nameof(NoiseMultiplier), NoiseMultiplier, "The noise multiplier is finite and not negative.");

    /// <summary>q, the client sampling rate.</summary>
    public double SamplingRate { get; } = SamplingRate > 0 && SamplingRate <= 1
        ? SamplingRate
        : throw new ArgumentOutOfRangeException(nameof(SamplingRate), SamplingRate, "The sampling rate lies in (0, 1].");

    /// <summary>N, the client population.</summary>
    public long Population { get; } = Population >= 1
        ? Population
        : throw new ArgumentOutOfRangeException(nameof(Population), Population, "At least one client.");

    /// <summary>
    /// ŵ: the example count at which a client's weight reaches 1, w = min(1, examples/ŵ) (the paper's capped weights);
    /// null weighs every client 1 (the paper's uniform variant).
    /// </summary>
    public double? WeightCap { get; init; }

    /// <summary>
    /// W: the population's total weight Σ w over all N clients, public by assumption; the fixed denominator is qW. Null
    /// takes N, exact for uniform weights and an over-estimate (a shrunken, still private update) for capped ones.
    /// </summary>
    public double? PopulationWeight { get; init; }

    /// <summary>
    /// The seed of all the noise: round r's noise is the (seed, 2r) draw and its count noise the (seed, 2r + 1) draw.
    /// Whoever knows the seed can subtract the noise, so it must stay secret; null (the default) draws one from the
    /// operating system's cryptographic generator. Set it for reproducible experiments.
    /// </summary>
    public ulong? Seed { get; init; }

    /// <summary>Adaptive clipping settings (Andrew et al. 2021); null keeps the clip norm fixed at <see cref="ClipNorm"/>.</summary>
    public AdaptiveClippingOptions? AdaptiveClipping { get; init; }

    /// <summary>The (ε, δ) budget; a round that would exceed it is refused. Null sets no limit.</summary>
    public PrivacyBudget? Budget { get; init; }

    /// <summary>The δ at which ε is reported when there is no <see cref="Budget"/>.</summary>
    public double ReportingDelta { get; init; } = 1e-5;

    /// <summary>The accountant's Rényi orders; null takes <see cref="RdpAccountant.DefaultOrders"/>.</summary>
    public IReadOnlyList<double>? Orders { get; init; }

    /// <summary>The RDP to (ε, δ) conversion for reports and the budget.</summary>
    public RdpConversion Conversion { get; init; } = RdpConversion.Improved;

    /// <summary>m = qN: clients expected per round.</summary>
    public double ExpectedClientsPerRound => SamplingRate * Population;

    /// <summary>qW: the fixed denominator, the expected total weight of a round.</summary>
    public double ExpectedRoundWeight => SamplingRate * (PopulationWeight ?? Population);
}

/// <summary>A DP-FedAvg run's state between rounds, to persist and resume.</summary>
/// <param name="Round">Rounds aggregated so far (the next round's number).</param>
/// <param name="ClipNorm">The clip norm the next round uses.</param>
/// <param name="Seed">The noise seed, so a resumed run continues the same draws (which makes the state as secret as the seed).</param>
/// <param name="Accountant">The privacy spent so far.</param>
public sealed record DpFedAvgState(long Round, double ClipNorm, ulong Seed, RdpAccountantState Accountant);

/// <summary>What one DP-FedAvg round did.</summary>
/// <param name="Round">The round's number, from 0.</param>
/// <param name="Clients">Updates received.</param>
/// <param name="Clipped">Updates whose norm exceeded the clip norm.</param>
/// <param name="NonFinite">Updates with a NaN or infinite entry, which contributed nothing (and counted as below the clip norm).</param>
/// <param name="ClipNorm">S used this round.</param>
/// <param name="DeltaNoiseMultiplier">z_Δ: the deltas' noise multiplier (z without adaptive clipping).</param>
/// <param name="NoiseStandardDeviation">σ = z_Δ·S/(qW): the noise added to each coordinate of the aggregate.</param>
/// <param name="NoisedFractionBelow">b̃, the noised fraction of clients at or below S (adaptive clipping only).</param>
/// <param name="NextClipNorm">S for the next round.</param>
/// <param name="Epsilon">ε spent by the run after this round, at <paramref name="Delta"/>.</param>
/// <param name="Delta">The δ at which ε is reported.</param>
public sealed record DpRoundReport(
    long Round,
    int Clients,
    int Clipped,
    int NonFinite,
    double ClipNorm,
    double DeltaNoiseMultiplier,
    double NoiseStandardDeviation,
    double? NoisedFractionBelow,
    double NextClipNorm,
    double Epsilon,
    double Delta);

/// <summary>
/// DP-FedAvg as an aggregation rule (McMahan, Ramage, Talwar, Zhang 2018, Algorithm 1 with the fixed-denominator
/// estimator f̃_f): each client's delta is clipped to L2 norm S, weighted by w ≤ 1, summed and divided by the expected
/// round weight qW (not by the weight actually present, whose sensitivity would be unbounded); then Gaussian noise of
/// standard deviation σ = z·S/(qW) is added to every coordinate (the sum's sensitivity is S, so its noise is z·S), and
/// one step of the sampled Gaussian mechanism (q, z) is composed into the accountant. With adaptive clipping (Andrew
/// et al. 2021) the clip norm then moves toward a quantile of the clients' norms from a noised count, and the deltas'
/// noise multiplier is z_Δ so that deltas and count together spend exactly (q, z).
/// </summary>
/// <remarks>
/// The guarantee assumes what the paper assumes: the round code samples each of the N clients independently with
/// probability q, the aggregate is the only thing released about the updates, and the noise seed is secret (drawn
/// from the cryptographic generator unless the options fix it). An empty round
/// (no client sampled) is refused here because the rule cannot know the vector length; under DP it would be pure noise.
/// One aggregator serves one run: it counts rounds, and round r's noise comes from (seed, r), so a resumed run
/// (<see cref="DpFedAvgState"/>) draws the same noise as an uninterrupted one.
/// </remarks>
public sealed class DifferentiallyPrivateAggregator : IAggregationRule
{
    private const int CoordinateChunk = 16_384;
    private readonly DpFedAvgOptions _options;
    private readonly RdpAccountant _accountant;
    private readonly ulong _seed;

    /// <summary>A run with <paramref name="options"/>, new or resumed from <paramref name="resumeFrom"/>.</summary>
    public DifferentiallyPrivateAggregator(DpFedAvgOptions options, DpFedAvgState? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        if (options.WeightCap is { } cap && !(cap > 0 && double.IsFinite(cap)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), cap, "The weight cap is finite and above 0.");
        }
        if (options.PopulationWeight is { } weight && !(weight > 0 && double.IsFinite(weight)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), weight, "The population weight is finite and above 0.");
        }
        if (!(options.ReportingDelta > 0 && options.ReportingDelta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ReportingDelta, "The reporting δ lies in (0, 1).");
        }
        DeltaNoiseMultiplier = options.AdaptiveClipping is { } adaptive
            ? AdaptiveClipping.DeltaNoiseMultiplier(options.NoiseMultiplier, adaptive.CountNoiseStandardDeviation)
            : options.NoiseMultiplier;
        if (resumeFrom is null)
        {
            _accountant = new RdpAccountant(options.Orders);
            ClipNorm = options.ClipNorm;
            _seed = options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        }
        else
        {
            _accountant = RdpAccountant.FromState(resumeFrom.Accountant);
            if (!_accountant.Orders.SequenceEqual(options.Orders ?? RdpAccountant.DefaultOrders))
            {
                throw new ArgumentException("The saved accountant tracks other Rényi orders than the options.", nameof(resumeFrom));
            }
            ArgumentOutOfRangeException.ThrowIfNegative(resumeFrom.Round, nameof(resumeFrom));
            if (!(resumeFrom.ClipNorm > 0 && double.IsFinite(resumeFrom.ClipNorm)))
            {
                throw new ArgumentOutOfRangeException(nameof(resumeFrom), resumeFrom.ClipNorm, "The saved clip norm is finite and above 0.");
            }
            if (options.Seed is { } seed && seed != resumeFrom.Seed)
            {
                throw new ArgumentException("The saved state was drawn with another seed than the options give.", nameof(resumeFrom));
            }
            Round = resumeFrom.Round;
            ClipNorm = resumeFrom.ClipNorm;
            _seed = resumeFrom.Seed;
        }
    }

    /// <inheritdoc />
    public string Name => "dp-fedavg";

    /// <summary>The settings.</summary>
    public DpFedAvgOptions Options => _options;

    /// <summary>Rounds aggregated so far.</summary>
    public long Round { get; private set; }

    /// <summary>S for the next round.</summary>
    public double ClipNorm { get; private set; }

    /// <summary>z_Δ, the deltas' noise multiplier: z, or (z⁻² − (2σ_b)⁻²)^(−1/2) with adaptive clipping.</summary>
    public double DeltaNoiseMultiplier { get; }

    /// <summary>σ = z_Δ·S/(qW), the per-coordinate noise the next round adds to the aggregate.</summary>
    public double NoiseStandardDeviation => DeltaNoiseMultiplier * ClipNorm / _options.ExpectedRoundWeight;

    /// <summary>The δ at which ε is reported: the budget's, else <see cref="DpFedAvgOptions.ReportingDelta"/>.</summary>
    public double ReportingDelta => _options.Budget?.Delta ?? _options.ReportingDelta;

    /// <summary>ε spent so far at <see cref="ReportingDelta"/>.</summary>
    public double EpsilonSpent => _accountant.Epsilon(ReportingDelta, _options.Conversion);

    /// <summary>ε the run would have spent after one more round, at <see cref="ReportingDelta"/>.</summary>
    public double EpsilonAfterNextRound =>
        _accountant.EpsilonAfter(_options.SamplingRate, _options.NoiseMultiplier, 1, ReportingDelta, _options.Conversion);

    /// <summary>Whether the budget admits one more round (always, without a budget).</summary>
    public bool CanAffordRound =>
        _options.Budget is not { } budget || budget.Admits(_accountant, _options.SamplingRate, _options.NoiseMultiplier, 1, _options.Conversion);

    /// <summary>The last round's report; null before the first.</summary>
    public DpRoundReport? LastRound { get; private set; }

    /// <summary>The state to persist after a round.</summary>
    public DpFedAvgState State => new(Round, ClipNorm, _seed, _accountant.State);

    /// <summary>The weight w = min(1, examples/ŵ) of a client (1 without a cap).</summary>
    public static double WeightOf(long examples, double? weightCap) =>
        weightCap is { } cap ? Math.Min(1, examples / cap) : 1;

    /// <summary>
    /// Clips every delta to S, sums them weighted, divides by qW, adds N(0, σ²) per coordinate, accounts one step of
    /// (q, z) and, with adaptive clipping, updates S. Refused when the budget would be exceeded (nothing is spent then).
    /// </summary>
    public float[] Aggregate(IReadOnlyList<ClientUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            throw new AggregationRefusedException("DP-FedAvg needs at least one update to know the vector length.");
        }
        if (!CanAffordRound)
        {
            var budget = _options.Budget!;
            throw new AggregationRefusedException(
                $"The privacy budget (ε = {budget.Epsilon}, δ = {budget.Delta}) is exhausted: {EpsilonSpent:G4} spent after {Round} rounds, one more would reach {EpsilonAfterNextRound:G4}.");
        }
        var length = updates[0].Delta.Length;
        foreach (var update in updates)
        {
            ArgumentNullException.ThrowIfNull(update);
            VectorMath.EnsureSameLength(length, update.Delta.Length);
        }

        var clipNorm = ClipNorm;
        var norms = new double[updates.Count];
        Parallel.For(0, updates.Count, k => norms[k] = L2Clipping.Norm(updates[k].Delta));
        var scales = new float[updates.Count];
        int clipped = 0, nonFinite = 0, below = 0;
        for (var k = 0; k < updates.Count; k++)
        {
            if (!double.IsFinite(norms[k]))
            {
                // A broken update contributes nothing rather than poisoning every coordinate.
                nonFinite++;
                below++;
                continue;
            }
            if (norms[k] > clipNorm)
            {
                clipped++;
            }
            else
            {
                below++;
            }
            var weight = WeightOf(updates[k].Examples, _options.WeightCap);
            scales[k] = (float)(weight * L2Clipping.Factor(norms[k], clipNorm));
        }

        var aggregate = new float[length];
        var chunks = (length + CoordinateChunk - 1) / CoordinateChunk;
        // Each coordinate sums the clients in list order, whatever thread runs its chunk: deterministic.
        Parallel.For(0, chunks, c =>
        {
            var start = c * CoordinateChunk;
            var count = Math.Min(CoordinateChunk, length - start);
            var target = aggregate.AsSpan(start, count);
            for (var k = 0; k < scales.Length; k++)
            {
                if (scales[k] != 0)
                {
                    TensorPrimitives.MultiplyAdd(updates[k].Delta.AsSpan(start, count), scales[k], target, target);
                }
            }
        });
        Release(aggregate, updates.Count, below, clipped, nonFinite);
        return aggregate;
    }

    /// <summary>
    /// The release half of a round, for a sum computed elsewhere (secure aggregation: the server only ever holds the sum
    /// of the clients' clipped, weighted deltas): divides <paramref name="weightedClippedSum"/> by qW in place, adds the
    /// noise, moves the clip norm (from <paramref name="below"/>, the clients whose norm was within it, itself summed
    /// securely) and accounts the step. The caller must have clipped every delta to <see cref="ClipNorm"/>.
    /// </summary>
    public void Release(float[] weightedClippedSum, int clients, int below, int clipped = 0, int nonFinite = 0)
    {
        ArgumentNullException.ThrowIfNull(weightedClippedSum);
        if (!CanAffordRound)
        {
            var budget = _options.Budget!;
            throw new AggregationRefusedException(
                $"The privacy budget (ε = {budget.Epsilon}, δ = {budget.Delta}) is exhausted: {EpsilonSpent:G4} spent after {Round} rounds, one more would reach {EpsilonAfterNextRound:G4}.");
        }
        var clipNorm = ClipNorm;
        TensorPrimitives.Multiply(weightedClippedSum, (float)(1 / _options.ExpectedRoundWeight), weightedClippedSum);
        var noiseDeviation = NoiseStandardDeviation;
        var round = Round;
        GaussianNoise.Add(weightedClippedSum, noiseDeviation, _seed, 2 * (ulong)round);

        double? noisedFraction = null;
        var nextClipNorm = clipNorm;
        if (_options.AdaptiveClipping is { } adaptive)
        {
            var countNoise = new SeededGaussian(_seed, 2 * (ulong)round + 1).NextStandardNormal();
            var fraction = AdaptiveClipping.NoisedFractionBelow(below, clients, _options.ExpectedClientsPerRound, adaptive.CountNoiseStandardDeviation, countNoise);
            noisedFraction = fraction;
            nextClipNorm = AdaptiveClipping.NextClipNorm(clipNorm, fraction, adaptive);
        }

        _accountant.Compose(_options.SamplingRate, _options.NoiseMultiplier);
        ClipNorm = nextClipNorm;
        Round = round + 1;
        LastRound = new DpRoundReport(
            round, clients, clipped, nonFinite, clipNorm, DeltaNoiseMultiplier, noiseDeviation,
            noisedFraction, nextClipNorm, EpsilonSpent, ReportingDelta);
    }
}
