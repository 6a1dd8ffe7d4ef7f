using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>Differential privacy of a simulated run (DP-FedAvg, McMahan et al. 2018).</summary>
/// <param name="Epsilon">The budget ε for the whole run; the noise multiplier is sized so the planned rounds spend at most this.</param>
/// <param name="Delta">The budget's δ.</param>
/// <param name="ClipNorm">The L2 bound S on each client's update (the initial bound when adaptive).</param>
/// <param name="AdaptiveQuantile">With a value, the bound follows this quantile of the updates' norms (Andrew et al. 2021).</param>
/// <param name="NoiseMultiplier">With a value, this z instead of the one sized to the budget (the run still stops at the budget).</param>
public sealed record PrivacyOptions(double Epsilon, double Delta = 1e-5, double ClipNorm = 1.0, double? AdaptiveQuantile = null, double? NoiseMultiplier = null);

/// <summary>Secure aggregation of a simulated run.</summary>
/// <param name="Neighbours">Neighbours per client in the masking graph (0: every sampled client, Bonawitz et al. 2017's complete graph); shares needed to rebuild a secret: two thirds of the neighbourhood, plus one.</param>
/// <param name="ClipValue">Coordinates are clipped to ±this before fixed-point quantisation into Z_2^32.</param>
public sealed record SecureAggregationOptions(int Neighbours = 0, double ClipValue = 4.0);

/// <summary>Everything a simulated federated run does.</summary>
/// <param name="Net">The model every client and the server share.</param>
/// <param name="Rounds">Rounds to run.</param>
/// <param name="ClientsPerRound">Clients sampled per round (at most the population).</param>
/// <param name="StakeWeighted">Sample by stake (each client's stake is its positions held) instead of uniformly.</param>
/// <param name="Strategy">Aggregation rule (<c>fedavg</c>, <c>fedprox</c>, <c>median</c>, <c>trimmed-mean</c>, <c>krum</c>, <c>multi-krum</c>, <c>bulyan</c>) or <c>central</c>: one model trained on the union of the clients' positions with the same number of training positions per round.</param>
/// <param name="ServerOptimizer"><c>sgd</c>, <c>fedadam</c> or <c>fedyogi</c>.</param>
/// <param name="ServerLearningRate">The server optimiser's learning rate (1 with sgd is plain FedAvg).</param>
/// <param name="ByzantineF">f, the attackers Krum and Bulyan are sized for.</param>
/// <param name="TrimBeta">β of the trimmed mean.</param>
/// <param name="Local">Each client's local training.</param>
/// <param name="Malicious">Clients that attack (the first ones dealt, so the same clients across compared runs).</param>
/// <param name="Attack">What they do.</param>
/// <param name="Dropout">Chance that a sampled client drops out of a round after it was sampled.</param>
/// <param name="Codec">Update compression: <c>none</c>, <c>int8</c> or <c>topk</c>.</param>
/// <param name="TopKFraction">Share of coordinates top-k keeps.</param>
/// <param name="Privacy">Differential privacy, or null.</param>
/// <param name="SecureAggregation">Secure aggregation, or null.</param>
/// <param name="ValidateUpdates">Check each update before it counts (not with secure aggregation: the server cannot see single updates).</param>
/// <param name="Shapley">Estimate clients' Shapley-style values each round.</param>
/// <param name="ShapleyPermutations">Permutations of the Monte Carlo estimate.</param>
/// <param name="ValidationPositions">Held-out positions the server measures accuracy on.</param>
/// <param name="ShapleyPositions">Held-out positions each update's validation loss and the Shapley utility are measured on (a smaller shard: it is evaluated many times a round).</param>
/// <param name="Seed">The seed of everything random.</param>
public sealed record SimulationOptions(
    NetConfig Net,
    int Rounds,
    int ClientsPerRound,
    string Strategy,
    LocalTrainingOptions Local,
    string ServerOptimizer = "sgd",
    double ServerLearningRate = 1.0,
    bool StakeWeighted = false,
    int ByzantineF = 0,
    double TrimBeta = 0.2,
    int Malicious = 0,
    AttackKind Attack = AttackKind.None,
    double Dropout = 0,
    string Codec = "none",
    double TopKFraction = 0.1,
    PrivacyOptions? Privacy = null,
    SecureAggregationOptions? SecureAggregation = null,
    bool ValidateUpdates = false,
    ShapleyMethod Shapley = ShapleyMethod.None,
    int ShapleyPermutations = 5,
    int ValidationPositions = 2_000,
    int ShapleyPositions = 500,
    int Seed = 1)
{
    /// <summary>Momentum of the server's SGD (0: plain FedAvg; DP-FedAvg averages the noise over rounds with 0.9).</summary>
    public double ServerMomentum { get; init; }

    /// <summary>
    /// A training checkpoint (a run's folder or one checkpoint) to start from, as rounds start from the promoted model;
    /// null: fresh weights from <see cref="Seed"/>. Its net must have the shape of <see cref="Net"/>.
    /// </summary>
    public string? InitialCheckpoint { get; init; }
}
