namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// Server SGD (Reddi et al. 2021, "Adaptive Federated Optimization"): x ← x + η·Δ; with momentum μ > 0 (FedAvgM, Hsu
/// et al. 2019) the heavy-ball form u ← μ·u + Δ, x ← x + η·u. Learning rate 1 without momentum is FedAvg's update.
/// </summary>
public sealed class ServerSgd : IServerOptimizer
{
    private float[]? _momentumBuffer;
    private long _steps;

    /// <summary>Server SGD with learning rate η = <paramref name="learningRate"/> and momentum μ = <paramref name="momentum"/> in [0, 1).</summary>
    public ServerSgd(double learningRate, double momentum = 0)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The server learning rate must be positive.");
        }
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");
        }
        LearningRate = learningRate;
        Momentum = momentum;
    }

    /// <summary>η.</summary>
    public double LearningRate { get; }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <inheritdoc />
    public string Name => "sgd";

    /// <inheritdoc />
    public float[] Apply(float[] weights, float[] aggregateDelta)
    {
        ServerOptimizers.CheckStep(weights, aggregateDelta, _momentumBuffer?.Length);
        var next = new float[weights.Length];
        if (Momentum == 0)
        {
            Coordinatewise.ForEachChunk(weights.Length, (start, count) =>
            {
                for (var i = start; i < start + count; i++)
                {
                    next[i] = (float)(weights[i] + (LearningRate * aggregateDelta[i]));
                }
            });
        }
        else
        {
            var u = _momentumBuffer ??= new float[weights.Length];
            Coordinatewise.ForEachChunk(weights.Length, (start, count) =>
            {
                for (var i = start; i < start + count; i++)
                {
                    var velocity = (float)((Momentum * u[i]) + aggregateDelta[i]);
                    u[i] = velocity;
                    next[i] = (float)(weights[i] + (LearningRate * velocity));
                }
            });
        }
        _steps++;
        return next;
    }

    /// <inheritdoc />
    public ServerOptimizerState ExportState() => new(Name, _steps, ServerOptimizers.Copy(_momentumBuffer), null);

    /// <inheritdoc />
    public void ImportState(ServerOptimizerState state)
    {
        ServerOptimizers.CheckImport(state, Name);
        _momentumBuffer = ServerOptimizers.Copy(state.FirstMoment);
        _steps = state.Steps;
    }
}
