namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>Who shares secrets with and masks against whom.</summary>
public enum NeighbourGraphKind
{
    /// <summary>Everyone with everyone (Bonawitz et al. 2017): O(n) keys, shares and masks per client, O(n²) for the server.</summary>
    Complete,

    /// <summary>
    /// A k-regular Harary graph over a seeded random ordering of the clients (sparse, after Bell et al. 2020): O(k) per
    /// client and O(n·k) for the server. See <see cref="NeighbourGraph"/>.
    /// </summary>
    Harary,
}

/// <summary>
/// How clients' floats become integers mod 2^32: each coordinate is clipped to [−<paramref name="ClipRange"/>,
/// <paramref name="ClipRange"/>] and rounded to the nearest multiple of 1/<paramref name="Scale"/>; the scale is small
/// enough that the integer sum over all the round's clients cannot leave the int32 range, so the sum mod 2^32 decodes
/// without ambiguity. Each input is off by at most 0.5/scale per coordinate, a sum of s inputs by at most s·0.5/scale.
/// </summary>
/// <param name="ClipRange">c &gt; 0: coordinates are clipped to [−c, c].</param>
/// <param name="Scale">Fixed-point units per 1.0.</param>
public sealed record QuantisationConfig(double ClipRange, double Scale)
{
    /// <summary>
    /// The largest scale for <paramref name="clients"/> clients and clip range <paramref name="clipRange"/>: a rounded
    /// coordinate has magnitude at most c·scale + 0.5, so n·(c·scale + 1) ≤ 2^31 − 1 keeps the sum of all n in int32
    /// (the extra half unit per client absorbs the rounding of the product in double).
    /// </summary>
    public static QuantisationConfig For(int clients, double clipRange)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        if (!(clipRange > 0) || double.IsInfinity(clipRange))
        {
            throw new ArgumentOutOfRangeException(nameof(clipRange), clipRange, "The clip range is a positive finite number.");
        }
        var scale = ((double)int.MaxValue / clients - 1) / clipRange;
        if (!(scale > 0))
        {
            throw new ArgumentException($"{clients:N0} clients leave no room for fixed-point values in int32.", nameof(clients));
        }
        return new QuantisationConfig(clipRange, scale);
    }

    /// <summary>The most a decoded sum of <paramref name="inputs"/> inputs can differ from the exact sum of the clipped values, per coordinate (before the final rounding to float).</summary>
    public double ErrorBound(int inputs) => inputs * 0.5 / Scale;

    /// <summary>Throws unless the sum of <paramref name="clients"/> quantised inputs stays inside int32.</summary>
    public void Validate(int clients)
    {
        if (!(ClipRange > 0) || double.IsInfinity(ClipRange) || !(Scale > 0) || double.IsInfinity(Scale))
        {
            throw new ArgumentException($"Clip range {ClipRange} and scale {Scale} must be positive and finite.");
        }
        if (clients * (ClipRange * Scale + 1) > int.MaxValue)
        {
            throw new ArgumentException(
                $"The sum of {clients:N0} inputs clipped to ±{ClipRange} at scale {Scale:G6} can overflow int32; the largest safe scale is {For(clients, ClipRange).Scale:G6}.");
        }
    }
}

/// <summary>
/// What the server announces before a secure-aggregation round (Bonawitz et al. 2017 with the sparse graph of Bell et al.
/// 2020): who may take part, how many shares reconstruct a secret, the vector's length, the neighbour graph and the
/// quantisation. Every client derives the same graph from it. Plain data: it goes over the wire as it is.
/// </summary>
/// <param name="RoundId">Names the round; bound into key derivation, share encryption and commitments so nothing carries over between rounds.</param>
/// <param name="Clients">n: clients are numbered 0..n−1.</param>
/// <param name="Parameters">Length of every input vector.</param>
/// <param name="Threshold">
/// t: shares needed to reconstruct a client's secrets, counted within its closed neighbourhood (itself and its
/// neighbours, see <see cref="NeighbourGraph"/>); with the complete graph that is Bonawitz et al.'s t-of-n.
/// </param>
/// <param name="Graph">Complete or Harary (k-regular).</param>
/// <param name="Neighbours">k for the Harary graph (k &lt; n; n even when k is odd); ignored for the complete graph.</param>
/// <param name="GraphSeed">Seeds the ordering of the Harary graph.</param>
/// <param name="Quantisation">Clip range and scale.</param>
public sealed record SecureAggregationConfig(
    string RoundId,
    int Clients,
    int Parameters,
    int Threshold,
    NeighbourGraphKind Graph,
    int Neighbours,
    long GraphSeed,
    QuantisationConfig Quantisation)
{
    /// <summary>
    /// A round of <paramref name="clients"/> clients over vectors of <paramref name="parameters"/> floats clipped to
    /// ±<paramref name="clipRange"/>, with the largest safe scale; <paramref name="neighbours"/> = 0 (or ≥ n − 1) is the
    /// complete graph; the threshold defaults to <see cref="DefaultThreshold"/> of the neighbourhood.
    /// </summary>
    public static SecureAggregationConfig Create(string roundId, int clients, int parameters, double clipRange, int neighbours = 0, int? threshold = null, long graphSeed = 0)
    {
        var complete = neighbours <= 0 || neighbours >= clients - 1;
        var neighbourhood = complete ? clients : neighbours + 1;
        var config = new SecureAggregationConfig(
            roundId,
            clients,
            parameters,
            threshold ?? DefaultThreshold(neighbourhood),
            complete ? NeighbourGraphKind.Complete : NeighbourGraphKind.Harary,
            complete ? clients - 1 : neighbours,
            graphSeed,
            QuantisationConfig.For(clients, clipRange));
        config.Validate();
        return config;
    }

    /// <summary>
    /// ⌊2s/3⌋ + 1 of a neighbourhood of s: more than two thirds, the threshold Bonawitz et al. take for their actively
    /// secure variant (it leaves a third of the neighbourhood free to drop out).
    /// </summary>
    public static int DefaultThreshold(int neighbourhoodSize) => Math.Min(neighbourhoodSize, 2 * neighbourhoodSize / 3 + 1);

    /// <summary>Each client's closed neighbourhood: itself and its neighbours (n for the complete graph, k + 1 for Harary).</summary>
    public int NeighbourhoodSize => Graph == NeighbourGraphKind.Complete ? Clients : Neighbours + 1;

    /// <summary>Throws <see cref="ArgumentException"/> when the configuration cannot run.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(RoundId))
        {
            throw new ArgumentException("A round needs an id.");
        }
        if (Clients < 2)
        {
            throw new ArgumentException($"Secure aggregation needs at least 2 clients, not {Clients}.");
        }
        if (Parameters < 1)
        {
            throw new ArgumentException($"The vector needs at least one parameter, not {Parameters}.");
        }
        if (Graph == NeighbourGraphKind.Harary)
        {
            if (Neighbours < 1 || Neighbours >= Clients)
            {
                throw new ArgumentException($"A Harary graph over {Clients} clients has 1 to {Clients - 1} neighbours per client, not {Neighbours}.");
            }
            if (Neighbours % 2 == 1 && Clients % 2 == 1)
            {
                throw new ArgumentException($"No {Neighbours}-regular graph has an odd number of vertices ({Clients}); choose an even k or an even n.");
            }
        }
        if (Threshold < 2 || Threshold > NeighbourhoodSize)
        {
            throw new ArgumentException($"The threshold must lie between 2 and the neighbourhood size {NeighbourhoodSize}, not {Threshold}.");
        }
        ArgumentNullException.ThrowIfNull(Quantisation);
        Quantisation.Validate(Clients);
    }
}
