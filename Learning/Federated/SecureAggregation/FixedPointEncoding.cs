namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// Floats to and from the group Z_{2^32} that masks live in (<see cref="QuantisationConfig"/> says how): encode clips
/// to [−c, c] and rounds x·scale to the nearest integer (two's complement in a uint); the sum of the round's encodings,
/// taken mod 2^32, equals the integer sum because <see cref="QuantisationConfig.Validate"/> keeps that within int32, so
/// decode reads it as an int32 and divides by the scale.
/// <para>
/// Error bound: each encoded coordinate is within 0.5/scale of its clipped value (round to nearest), so a decoded sum of
/// s inputs is within s·0.5/scale of the sum of the clipped values, per coordinate, plus the rounding of the result to
/// float (half an ulp of the sum).
/// </para>
/// </summary>
public static class FixedPointEncoding
{
    /// <summary>target[i] = round(clip(values[i]) · scale) mod 2^32; non-finite values throw.</summary>
    public static void Encode(ReadOnlySpan<float> values, QuantisationConfig quantisation, Span<uint> target)
    {
        ArgumentNullException.ThrowIfNull(quantisation);
        VectorMath.EnsureSameLength(values.Length, target.Length);
        var clip = quantisation.ClipRange;
        var scale = quantisation.Scale;
        for (var i = 0; i < values.Length; i++)
        {
            var value = (double)values[i];
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"Coordinate {i:N0} is {values[i]}; secure aggregation encodes finite values only.", nameof(values));
            }
            var clipped = Math.Clamp(value, -clip, clip);
            target[i] = unchecked((uint)(int)Math.Round(clipped * scale, MidpointRounding.AwayFromZero));
        }
    }

    /// <summary>The floats an unmasked sum of encodings stands for: (int)sum / scale.</summary>
    public static float[] Decode(ReadOnlySpan<uint> sum, QuantisationConfig quantisation)
    {
        ArgumentNullException.ThrowIfNull(quantisation);
        var values = new float[sum.Length];
        var inverse = 1.0 / quantisation.Scale;
        for (var i = 0; i < sum.Length; i++)
        {
            values[i] = (float)(unchecked((int)sum[i]) * inverse);
        }
        return values;
    }
}
