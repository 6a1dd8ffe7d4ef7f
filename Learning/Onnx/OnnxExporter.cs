using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Onnx;

/// <summary>
/// Writes a <see cref="PolicyValueNet"/> as an ONNX model (opset 17) from its weights: TorchSharp cannot export ONNX
/// (dotnet/TorchSharp#1281). Batch norm is folded into the convolution before it (evaluation mode: running mean and
/// variance), so the fp32 graph holds only Conv, Relu, Add, Flatten, Gemm, Tanh and Squeeze. Input <c>planes</c>
/// (batch × <see cref="InputPlanes.Count"/> × size × size); outputs <c>policy</c> (batch × size² + 1 logits) and
/// <c>value</c> (batch, −1..1 for the side to move). <see cref="ExportInt8"/> writes the same net with static int8
/// quantisation in QDQ form (see <see cref="Int8Calibration"/>).
/// </summary>
public static class OnnxExporter
{
    /// <summary>The fp32 model's bytes.</summary>
    public static byte[] Export(PolicyValueNet net, string description = "OrleansGoRelay move prediction") =>
        NetGraphWriter.Write(net, NetGraphMode.Float, ranges: null, description);

    /// <summary>
    /// The int8 model's bytes: activation ranges are measured by running the fp32 graph over
    /// <paramref name="calibrationCount"/> real positions (<paramref name="calibrationPlanes"/>, as
    /// <see cref="InputPlanes.ToFloats"/> lays them out), which should come from games the model is not measured on.
    /// </summary>
    public static byte[] ExportInt8(PolicyValueNet net, float[] calibrationPlanes, int calibrationCount, Int8Calibration? calibration = null,
        string description = "OrleansGoRelay move prediction (int8)")
    {
        ArgumentNullException.ThrowIfNull(net);
        var ranges = (calibration ?? new Int8Calibration()).MeasureRanges(
            NetGraphWriter.Write(net, NetGraphMode.Calibration, ranges: null, description), calibrationPlanes, calibrationCount, net.Config.BoardSize);
        return NetGraphWriter.Write(net, NetGraphMode.Int8, ranges, description);
    }

    /// <summary>The folded weights and bias of a convolution followed by batch norm: W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε).</summary>
    internal static (float[] Weights, float[] Bias) Fold(Dictionary<string, Tensor> weights, string conv, string bn)
    {
        const double batchNormEpsilon = 1e-5; // TorchSharp's default, which the net uses
        using var scope = NewDisposeScope();
        var w = weights[$"{conv}.weight"];
        var scale = weights[$"{bn}.weight"] / (weights[$"{bn}.running_var"] + batchNormEpsilon).sqrt();
        var folded = w * scale.reshape(-1, 1, 1, 1);
        var bias = weights[$"{bn}.bias"] - weights[$"{bn}.running_mean"] * scale;
        return (folded.contiguous().data<float>().ToArray(), bias.contiguous().data<float>().ToArray());
    }
}
