namespace OrleansGoRelay.Cli.Bench;

/// <summary>Quantiles of measured figures.</summary>
public static class Quantiles
{
    /// <summary>The value at quantile <paramref name="q"/> of ascending figures (nearest rank); NaN when there are none.</summary>
    public static double Of(IReadOnlyList<double> ascending, double q)
    {
        ArgumentNullException.ThrowIfNull(ascending);
        return ascending.Count == 0 ? double.NaN : ascending[Math.Clamp((int)Math.Ceiling(q * ascending.Count) - 1, 0, ascending.Count - 1)];
    }
}
