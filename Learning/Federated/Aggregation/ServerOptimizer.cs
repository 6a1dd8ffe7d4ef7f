namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// How the server turns a round's aggregated delta into the next global weights (the "server optimiser" of Reddi et
/// al. 2021, "Adaptive Federated Optimization"): the aggregate is treated as a pseudo-gradient step Δ and fed to
/// SGD, Adam or Yogi on the server. Implementations keep state across rounds (momentum, second moments), which
/// <see cref="ExportState"/> and <see cref="ImportState"/> carry across a crash.
/// </summary>
public interface IServerOptimizer
{
    /// <summary>The optimiser's name as the CLI spells it (<c>sgd</c>, <c>fedadam</c>, <c>fedyogi</c>).</summary>
    string Name { get; }

    /// <summary>
    /// One server step: the new global weights after applying <paramref name="aggregateDelta"/> (the aggregate of the
    /// clients' deltas, each its trained weights minus <paramref name="weights"/>) to the current global
    /// <paramref name="weights"/>. Neither input is modified; the state advances one round. (Not called <c>Step</c>:
    /// CA1716 reserves that name, a Visual Basic keyword.)
    /// </summary>
    float[] Apply(float[] weights, float[] aggregateDelta);

    /// <summary>A copy of the state after the rounds applied so far, to store with the round's checkpoint.</summary>
    ServerOptimizerState ExportState();

    /// <summary>Replaces the state with <paramref name="state"/> (exported by an optimiser of the same name), to resume.</summary>
    void ImportState(ServerOptimizerState state);
}

/// <summary>
/// An optimiser's state between rounds, plain data for JSON or any other serialiser (arrays compare by reference).
/// Hyperparameters are not part of it: they come from the round's configuration.
/// </summary>
/// <param name="Optimizer">The <see cref="IServerOptimizer.Name"/> that exported it.</param>
/// <param name="Steps">Rounds stepped.</param>
/// <param name="FirstMoment">The momentum (SGD with momentum) or first moment m (Adam, Yogi); null until the first step or when unused.</param>
/// <param name="SecondMoment">The second moment v (Adam, Yogi); null until the first step or when unused.</param>
public sealed record ServerOptimizerState(string Optimizer, long Steps, float[]? FirstMoment, float[]? SecondMoment);

/// <summary>The server optimisers by name.</summary>
public static class ServerOptimizers
{
    /// <summary>The valid names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "fedadam", "fedyogi"];

    /// <summary>
    /// The optimiser called <paramref name="name"/> (case-insensitive) with server learning rate
    /// <paramref name="learningRate"/>: <c>sgd</c> (with <paramref name="momentum"/>; learning rate 1 and no momentum is
    /// plain FedAvg), <c>fedadam</c> and <c>fedyogi</c> (with β₁, β₂ and τ).
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of <see cref="Names"/>.</exception>
    public static IServerOptimizer Create(
        string name, double learningRate, double momentum = 0, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "sgd" => new ServerSgd(learningRate, momentum),
            "fedadam" => new FedAdam(learningRate, beta1, beta2, tau),
            "fedyogi" => new FedYogi(learningRate, beta1, beta2, tau),
            _ => throw new ArgumentException($"Unknown server optimiser '{name}'; valid: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    internal static void CheckStep(float[] weights, float[] aggregateDelta, int? stateLength)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(aggregateDelta);
        VectorMath.EnsureSameLength(weights.Length, aggregateDelta.Length);
        if (stateLength is { } length && length != weights.Length)
        {
            throw new ArgumentException(
                $"The optimiser's state is for {length:N0} parameters; this step has {weights.Length:N0}.", nameof(weights));
        }
    }

    internal static float[]? Copy(float[]? values) => values is null ? null : (float[])values.Clone();

    internal static void CheckImport(ServerOptimizerState state, string name)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!string.Equals(state.Optimizer, name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The state was exported by '{state.Optimizer}', not '{name}'.", nameof(state));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(state.Steps, nameof(state));
    }
}
