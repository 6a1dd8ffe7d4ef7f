using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Onnx;

/// <summary>
/// Writes a <see cref="PolicyValueNet"/> as an ONNX model (opset 17) from its weights: TorchSharp cannot export ONNX
/// (dotnet/TorchSharp#1281). Batch norm is folded into the convolution before it (evaluation mode: running mean and
/// variance), so the graph holds only Conv, Relu, Add, Flatten, Gemm, Tanh and Squeeze. Input <c>planes</c>
/// (batch × <see cref="InputPlanes.Count"/> × size × size); outputs <c>policy</c> (batch × size² + 1 logits) and
/// <c>value</c> (batch, −1..1 for the side to move).
/// </summary>
public static class OnnxExporter
{
    /// <summary>TorchSharp's batch-norm epsilon (the default, which the net uses).</summary>
    private const double BatchNormEpsilon = 1e-5;

    /// <summary>The model's bytes.</summary>
    public static byte[] Export(PolicyValueNet net, string description = "OrleansGoRelay move prediction")
    {
        ArgumentNullException.ThrowIfNull(net);
        var config = net.Config;
        var weights = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to_type(ScalarType.Float32).cpu());
        var graph = new OnnxGraph("policy_value_net");
        var size = config.BoardSize;
        graph.Input("planes", "batch", InputPlanes.Count, size, size);

        var x = ConvBn(graph, weights, "planes", "_stem.conv", "_stem.bn", padding: 1);
        x = graph.Node("Relu", [x], "stem_relu");
        for (var b = 0; b < config.Blocks; b++)
        {
            var prefix = $"_blocks.{b}";
            var y = ConvBn(graph, weights, x, $"{prefix}._conv1", $"{prefix}._bn1", padding: 1);
            y = graph.Node("Relu", [y], $"block{b}_relu1");
            y = ConvBn(graph, weights, y, $"{prefix}._conv2", $"{prefix}._bn2", padding: 1);
            y = graph.Node("Add", [y, x], $"block{b}_add");
            x = graph.Node("Relu", [y], $"block{b}_out");
        }

        var policy = ConvBn(graph, weights, x, "_policyHead.conv", "_policyHead.bn", padding: 0);
        policy = graph.Node("Relu", [policy], "policy_relu");
        policy = graph.Node("Flatten", [policy], "policy_flat", OnnxGraph.Attribute("axis", 1L));
        graph.Node("Gemm", [policy, Weight(graph, weights, "_policy.weight"), Weight(graph, weights, "_policy.bias")], "policy", OnnxGraph.Attribute("transB", 1L));

        var value = ConvBn(graph, weights, x, "_valueHead.conv", "_valueHead.bn", padding: 0);
        value = graph.Node("Relu", [value], "value_relu");
        value = graph.Node("Flatten", [value], "value_flat", OnnxGraph.Attribute("axis", 1L));
        value = graph.Node("Gemm", [value, Weight(graph, weights, "_valueHidden.weight"), Weight(graph, weights, "_valueHidden.bias")], "value_hidden", OnnxGraph.Attribute("transB", 1L));
        value = graph.Node("Relu", [value], "value_hidden_relu");
        value = graph.Node("Gemm", [value, Weight(graph, weights, "_value.weight"), Weight(graph, weights, "_value.bias")], "value_linear", OnnxGraph.Attribute("transB", 1L));
        value = graph.Node("Tanh", [value], "value_tanh");
        graph.Node("Squeeze", [value, graph.Initializer("squeeze_axes", new long[] { 1 }, 1)], "value");

        graph.Output("policy", "batch", config.Moves);
        graph.Output("value", "batch");
        foreach (var tensor in weights.Values)
        {
            tensor.Dispose();
        }
        return graph.ToModel("OrleansGoRelay.Learning",
            $"{description}: {config.Blocks} blocks x {config.Channels} channels, {size}x{size}, {InputPlanes.Count} input planes");
    }

    /// <summary>A convolution with the batch norm after it folded in: W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε).</summary>
    private static string ConvBn(OnnxGraph graph, Dictionary<string, Tensor> weights, string input, string conv, string bn, int padding)
    {
        var (folded, bias) = Fold(weights, conv, bn);
        var shape = weights[$"{conv}.weight"].shape;
        var kernel = shape[2];
        return graph.Node("Conv", [input, graph.Initializer($"{conv}.weight", folded, shape), graph.Initializer($"{conv}.bias", bias, shape[0])], $"{conv}.out",
            OnnxGraph.Attribute("kernel_shape", [kernel, kernel]),
            OnnxGraph.Attribute("pads", [padding, padding, padding, padding]),
            OnnxGraph.Attribute("strides", [1L, 1L]));
    }

    /// <summary>The folded weights and bias of a convolution followed by batch norm (shared with the int8 writer).</summary>
    internal static (float[] Weights, float[] Bias) Fold(Dictionary<string, Tensor> weights, string conv, string bn)
    {
        using var scope = NewDisposeScope();
        var w = weights[$"{conv}.weight"];
        var scale = weights[$"{bn}.weight"] / (weights[$"{bn}.running_var"] + BatchNormEpsilon).sqrt();
        var folded = w * scale.reshape(-1, 1, 1, 1);
        var bias = weights[$"{bn}.bias"] - weights[$"{bn}.running_mean"] * scale;
        return (folded.contiguous().data<float>().ToArray(), bias.contiguous().data<float>().ToArray());
    }

    private static string Weight(OnnxGraph graph, Dictionary<string, Tensor> weights, string name)
    {
        var tensor = weights[name];
        return graph.Initializer(name, tensor.contiguous().data<float>().ToArray(), tensor.shape);
    }
}
