namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// FedYogi (Reddi et al. 2021, "Adaptive Federated Optimization", after Zaheer et al. 2018's Yogi): like FedAdam but
/// v ← v − (1 − β₂)·Δ²·sign(v − Δ²), so v moves towards Δ² by an additive amount instead of decaying
/// multiplicatively: the effective learning rate grows more slowly after rounds with large updates. m₀ = 0, v₀ = τ².
/// </summary>
public sealed class FedYogi : IServerOptimizer
{
    private readonly AdaptiveMoments _moments;

    /// <summary>FedYogi with server learning rate η, β₁, β₂ and adaptivity τ.</summary>
    public FedYogi(double learningRate, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-3)
    {
        _moments = new AdaptiveMoments(learningRate, beta1, beta2, tau, yogi: true);
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
    public string Name => "fedyogi";

    /// <inheritdoc />
    public float[] Apply(float[] weights, float[] aggregateDelta) => _moments.Apply(weights, aggregateDelta);

    /// <inheritdoc />
    public ServerOptimizerState ExportState() => _moments.Export(Name);

    /// <inheritdoc />
    public void ImportState(ServerOptimizerState state) => _moments.Import(state, Name);
}
