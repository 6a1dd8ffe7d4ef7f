using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Onnx;

/// <summary>The range an activation's uint8 quantisation covers (always including 0, which must be exact).</summary>
/// <param name="Min">The lowest value represented.</param>
/// <param name="Max">The highest value represented.</param>
public sealed record ActivationRange(float Min, float Max)
{
    /// <summary>The affine uint8 parameters: value = scale × (q − zeroPoint), with 0 exactly representable.</summary>
    public (float Scale, byte ZeroPoint) UInt8ScaleAndZeroPoint()
    {
        var low = Math.Min(Min, 0f);
        var high = Math.Max(Max, 0f);
        var scale = high > low ? (high - low) / 255f : 1f;
        var zeroPoint = (byte)Math.Clamp(MathF.Round(-low / scale), 0, 255);
        return (scale, zeroPoint);
    }
}

/// <summary>
/// Measures activation ranges for static int8 quantisation by running the fp32 graph, with every quantised activation
/// as an output, over real positions. A range is the <see cref="Percentile"/>-th percentile of the values seen at each
/// end rather than the extreme, so a handful of outliers cannot stretch the scale and cost every other value precision
/// (<see cref="Percentile"/> 100 is min/max calibration).
/// </summary>
/// <param name="Percentile">The share of values, in percent, inside the range at each end.</param>
/// <param name="SamplesPerActivation">Values kept per activation to find the percentiles (a uniform stride through all of them).</param>
/// <param name="BatchSize">Positions per calibration run.</param>
public sealed record Int8Calibration(double Percentile = 99.999, int SamplesPerActivation = 1_000_000, int BatchSize = 64)
{
    /// <summary>The ranges, by activation name, of the calibration graph's extra outputs over the given positions.</summary>
    internal IReadOnlyDictionary<string, ActivationRange> MeasureRanges(byte[] calibrationGraph, float[] planes, int count, int boardSize)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if (count <= 0)
        {
            throw new ArgumentException("Calibration needs at least one position.", nameof(count));
        }
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        using var session = new InferenceSession(calibrationGraph, options);
        var names = session.OutputMetadata.Keys.Where(n => n is not "policy" and not "value").ToArray();
        var perPosition = InputPlanes.Count * boardSize * boardSize;
        var samples = names.ToDictionary(n => n, _ => new List<float>());
        var strides = new Dictionary<string, int>();
        for (var start = 0; start < count; start += BatchSize)
        {
            var n = Math.Min(BatchSize, count - start);
            var input = new DenseTensor<float>(planes.AsMemory(start * perPosition, n * perPosition), [n, InputPlanes.Count, boardSize, boardSize]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("planes", input)], names);
            foreach (var result in results)
            {
                var values = result.AsTensor<float>().ToArray();
                if (!strides.TryGetValue(result.Name, out var stride))
                {
                    // Values per position × positions, spread over the samples kept.
                    var total = (long)values.Length / n * count;
                    strides[result.Name] = stride = (int)Math.Max(1, (total + SamplesPerActivation - 1) / SamplesPerActivation);
                }
                var kept = samples[result.Name];
                for (var i = 0; i < values.Length; i += stride)
                {
                    kept.Add(values[i]);
                }
            }
        }
        return samples.ToDictionary(kv => kv.Key, kv => RangeOf(kv.Value));
    }

    private ActivationRange RangeOf(List<float> values)
    {
        values.Sort();
        var tail = (1 - Percentile / 100) * (values.Count - 1);
        return new ActivationRange(values[(int)Math.Floor(tail)], values[(int)Math.Ceiling(values.Count - 1 - tail)]);
    }
}
