namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>How the server moves the global weights by a round's aggregate.</summary>
public static class ServerStep
{
    /// <summary>
    /// The optimiser moves the trained weights; the batch norms' running statistics are not weights (a server learning
    /// rate of 5 or Adam's scaling would push a variance below zero) and take the aggregate's change as it is, a variance
    /// never below 1e-5.
    /// </summary>
    public static float[] Apply(IServerOptimizer optimizer, ParameterLayout layout, float[] global, float[] aggregate)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(aggregate);
        var next = optimizer.Apply(global, aggregate);
        foreach (var tensor in layout.Tensors.Where(t => t.IsStatistic))
        {
            var variance = tensor.Name.EndsWith("running_var", StringComparison.Ordinal);
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                var value = global[i] + aggregate[i];
                next[i] = variance ? MathF.Max(value, 1e-5f) : value;
            }
        }
        return next;
    }
}
