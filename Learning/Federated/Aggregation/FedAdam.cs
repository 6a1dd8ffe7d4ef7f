namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization"): Adam on the server with the aggregate as the
/// pseudo-gradient: m ← β₁m + (1 − β₁)Δ, v ← β₂v + (1 − β₂)Δ², x ← x + η·m / (√v + τ); m₀ = 0, v₀ = τ², no bias
/// correction. τ bounds the per-coordinate step where v is small.
/// </summary>
public sealed class FedAdam : IServerOptimizer
{
    private readonly AdaptiveMoments _moments;

    /// <summary>FedAdam with server learning rate η, β₁, β₂ and adaptivity τ (the paper's defaults for the last three).</summary>
    public FedAdam(double learningRate, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-3)
    {
        _moments = new AdaptiveMoments(learningRate, beta1, beta2, tau, yogi: false);
        (LearningRate, Beta1, Beta2, Tau) = (learningRate, beta1, beta2, tau);
    }

    /// <summary>η.</summary>
    public double LearningRate { get; }

    /// <summary>β₁.</summary>
    public double Beta1 { get; }

    /// <summary>β₂.</summary>
    public double Beta2 { get; }

    /// <summary>τ.</summary>
    public double Tau { get; }

    /// <inheritdoc />
    public string Name => "fedadam";

    /// <inheritdoc />
    public float[] Apply(float[] weights, float[] aggregateDelta) => _moments.Apply(weights, aggregateDelta);

    /// <inheritdoc />
    public ServerOptimizerState ExportState() => _moments.Export(Name);

    /// <inheritdoc />
    public void ImportState(ServerOptimizerState state) => _moments.Import(state, Name);
}
