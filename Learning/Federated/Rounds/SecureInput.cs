using OrleansGoRelay.Learning.Federated.Privacy;

namespace OrleansGoRelay.Learning.Federated.Rounds;

/// <summary>What a relay masks in a secure round.</summary>
public static class SecureInput
{
    /// <summary>The examples at which a relay's FedAvg weight reaches 1.</summary>
    public const double FullWeightExamples = 10_000;

    /// <summary>
    /// [w·Δ, w, 1 when ‖Δ‖ ≤ S]. With privacy Δ is clipped to S and w = 1 (DP-FedAvg's uniform weights); without,
    /// w = min(1, examples / 10,000), so the server's division by Σw is FedAvg's weighted mean, and each coordinate is
    /// clipped to the fixed-point range (±1).
    /// </summary>
    public static float[] Of(float[] delta, long examples, double? clipNorm)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var input = new float[delta.Length + 2];
        var within = true;
        float weight;
        if (clipNorm is { } clip)
        {
            var clipped = L2Clipping.Clip(delta, clip);
            delta = clipped.Delta;
            within = !clipped.WasClipped;
            weight = 1f;
        }
        else
        {
            weight = (float)Math.Min(1.0, examples / FullWeightExamples);
        }
        for (var i = 0; i < delta.Length; i++)
        {
            input[i] = clipNorm is null ? Math.Clamp(weight * delta[i], -1f, 1f) : weight * delta[i];
        }
        input[delta.Length] = weight;
        input[delta.Length + 1] = within ? 1 : 0;
        return input;
    }
}
