using System.Runtime.InteropServices;
using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Onnx;

/// <summary>What <see cref="NetGraphWriter"/> writes.</summary>
internal enum NetGraphMode
{
    /// <summary>The fp32 graph.</summary>
    Float,
    /// <summary>The fp32 graph with every activation the int8 graph quantises also a graph output, for calibration.</summary>
    Calibration,
    /// <summary>Static int8 in QDQ form.</summary>
    Int8,
}

/// <summary>
/// Builds the network's ONNX graph in one of three <see cref="NetGraphMode"/>s from one description of the net, so the
/// fp32, calibration and int8 graphs cannot drift apart.
/// <para>
/// Int8 is the QDQ form ONNX Runtime fuses into integer kernels (QLinearConv, QLinearAdd): every activation a
/// convolution reads is a QuantizeLinear (uint8, per tensor, its range calibrated) followed by a DequantizeLinear per
/// consumer; convolution weights are int8 per output channel and biases int32 at scale s_input·s_weight, each behind a
/// DequantizeLinear. A ReLU before a QuantizeLinear whose zero point is 0 is exact in uint8, and the runtime drops it.
/// Weights use 7 bits (±63): on x86 without VNNI the u8×s8 kernel adds pairs of products in 16 bits
/// (VPMADDUBSW), and 255·127·2 overflows them where 255·63·2 does not. The heads (their 1×1 convolutions and fully
/// connected layers, a small share of the work) stay fp32.
/// </para>
/// </summary>
internal sealed class NetGraphWriter
{
    private const int WeightLevels = 63;

    private readonly OnnxGraph _graph = new("policy_value_net");
    private readonly Dictionary<string, Tensor> _weights;
    private readonly NetGraphMode _mode;
    private readonly IReadOnlyDictionary<string, ActivationRange>? _ranges;
    private readonly Dictionary<string, (string Quantized, string Scale, string ZeroPoint, float ScaleValue)> _quantized = [];
    private readonly List<string> _calibrated = [];
    private int _dequantized;

    private NetGraphWriter(Dictionary<string, Tensor> weights, NetGraphMode mode, IReadOnlyDictionary<string, ActivationRange>? ranges)
    {
        _weights = weights;
        _mode = mode;
        _ranges = ranges;
    }

    /// <summary>The model's bytes; <paramref name="ranges"/> (by activation name) are required for <see cref="NetGraphMode.Int8"/>.</summary>
    public static byte[] Write(PolicyValueNet net, NetGraphMode mode, IReadOnlyDictionary<string, ActivationRange>? ranges, string description)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (mode == NetGraphMode.Int8 && ranges is null)
        {
            throw new ArgumentException("The int8 graph needs calibrated activation ranges.", nameof(ranges));
        }
        var weights = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to_type(ScalarType.Float32).cpu());
        try
        {
            return new NetGraphWriter(weights, mode, ranges).Build(net.Config, description);
        }
        finally
        {
            foreach (var tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private byte[] Build(NetConfig config, string description)
    {
        var size = config.BoardSize;
        _graph.Input("planes", "batch", InputPlanes.Count, size, size);
        // The planes are 0 or 1: a scale of 1/255 holds them exactly, whatever calibration would say.
        Activation("planes", new ActivationRange(0, 1));

        var x = Activation(_graph.Node("Relu", [ConvBn("planes", "_stem.conv", "_stem.bn", padding: 1)], "stem_relu"));
        for (var b = 0; b < config.Blocks; b++)
        {
            var prefix = $"_blocks.{b}";
            var y = Activation(_graph.Node("Relu", [ConvBn(x, $"{prefix}._conv1", $"{prefix}._bn1", padding: 1)], $"block{b}_relu1"));
            y = Activation(ConvBn(y, $"{prefix}._conv2", $"{prefix}._bn2", padding: 1));
            y = _graph.Node("Add", [Read(y), Read(x)], $"block{b}_add");
            x = Activation(_graph.Node("Relu", [y], $"block{b}_out"));
        }

        // The heads' 1×1 convolutions read the quantised trunk but write fp32: with 2 and 1 output channels they cost
        // almost nothing, and every logit and the value depend on those few values.
        var policy = _graph.Node("Relu", [ConvBn(x, "_policyHead.conv", "_policyHead.bn", padding: 0)], "policy_relu");
        policy = _graph.Node("Flatten", [Read(policy)], "policy_flat", OnnxGraph.Attribute("axis", 1L));
        _graph.Node("Gemm", [policy, Weight("_policy.weight"), Weight("_policy.bias")], "policy", OnnxGraph.Attribute("transB", 1L));

        var value = _graph.Node("Relu", [ConvBn(x, "_valueHead.conv", "_valueHead.bn", padding: 0)], "value_relu");
        value = _graph.Node("Flatten", [Read(value)], "value_flat", OnnxGraph.Attribute("axis", 1L));
        value = _graph.Node("Gemm", [value, Weight("_valueHidden.weight"), Weight("_valueHidden.bias")], "value_hidden", OnnxGraph.Attribute("transB", 1L));
        value = _graph.Node("Relu", [value], "value_hidden_relu");
        value = _graph.Node("Gemm", [value, Weight("_value.weight"), Weight("_value.bias")], "value_linear", OnnxGraph.Attribute("transB", 1L));
        value = _graph.Node("Tanh", [value], "value_tanh");
        _graph.Node("Squeeze", [value, _graph.Initializer("squeeze_axes", new long[] { 1 }, 1)], "value");

        _graph.Output("policy", "batch", config.Moves);
        _graph.Output("value", "batch");
        foreach (var name in _calibrated)
        {
            _graph.Output(name, dims: null);
        }
        var kind = _mode == NetGraphMode.Int8 ? "static int8 (QDQ), " : "";
        return _graph.ToModel("OrleansGoRelay.Learning",
            $"{description}: {kind}{config.Blocks} blocks x {config.Channels} channels, {size}x{size}, {InputPlanes.Count} input planes");
    }

    /// <summary>Marks <paramref name="name"/> as an activation convolutions read: quantised in int8, a calibration output, else nothing.</summary>
    private string Activation(string name, ActivationRange? fixedRange = null)
    {
        switch (_mode)
        {
            case NetGraphMode.Calibration when fixedRange is null:
                _calibrated.Add(name);
                break;
            case NetGraphMode.Int8:
                var range = fixedRange ?? (_ranges!.TryGetValue(name, out var measured) ? measured
                    : throw new ArgumentException($"No calibrated range for activation '{name}'."));
                var (scale, zeroPoint) = range.UInt8ScaleAndZeroPoint();
                var scaleName = _graph.Initializer($"{name}.scale", [scale]);
                var zeroName = _graph.Initializer($"{name}.zero_point", OnnxGraph.UInt8, [zeroPoint]);
                _quantized[name] = (_graph.Node("QuantizeLinear", [name, scaleName, zeroName], $"{name}.q"), scaleName, zeroName, scale);
                break;
        }
        return name;
    }

    /// <summary>How a node reads an activation: its own DequantizeLinear in int8 (one per consumer, as the runtime's fusions expect).</summary>
    private string Read(string name) =>
        _mode == NetGraphMode.Int8 && _quantized.TryGetValue(name, out var q)
            ? _graph.Node("DequantizeLinear", [q.Quantized, q.Scale, q.ZeroPoint], $"{name}.dq{_dequantized++}")
            : name;

    /// <summary>A convolution with the batch norm after it folded in.</summary>
    private string ConvBn(string input, string conv, string bn, int padding)
    {
        var (folded, bias) = OnnxExporter.Fold(_weights, conv, bn);
        var shape = _weights[$"{conv}.weight"].shape;
        var kernel = shape[2];
        string weight, biasName;
        if (_mode == NetGraphMode.Int8)
        {
            (weight, biasName) = QuantizedConvParameters(conv, folded, bias, shape, _quantized[input].ScaleValue);
        }
        else
        {
            weight = _graph.Initializer($"{conv}.weight", folded, shape);
            biasName = _graph.Initializer($"{conv}.bias", bias, shape[0]);
        }
        return _graph.Node("Conv", [Read(input), weight, biasName], $"{conv}.out",
            OnnxGraph.Attribute("kernel_shape", [kernel, kernel]),
            OnnxGraph.Attribute("pads", [padding, padding, padding, padding]),
            OnnxGraph.Attribute("strides", [1L, 1L]));
    }

    /// <summary>Int8 weights per output channel (symmetric) and int32 biases at scale s_input·s_weight, each dequantised.</summary>
    private (string Weight, string Bias) QuantizedConvParameters(string conv, float[] folded, float[] bias, long[] shape, float inputScale)
    {
        var outputs = (int)shape[0];
        var perChannel = folded.Length / outputs;
        var weights = new sbyte[folded.Length];
        var weightScales = new float[outputs];
        var biases = new int[outputs];
        var biasScales = new float[outputs];
        for (var c = 0; c < outputs; c++)
        {
            var channel = folded.AsSpan(c * perChannel, perChannel);
            var largest = 0f;
            foreach (var w in channel)
            {
                largest = Math.Max(largest, Math.Abs(w));
            }
            weightScales[c] = largest > 0 ? largest / WeightLevels : 1f;
            for (var i = 0; i < perChannel; i++)
            {
                weights[c * perChannel + i] = (sbyte)Math.Clamp(MathF.Round(channel[i] / weightScales[c]), -WeightLevels, WeightLevels);
            }
            biasScales[c] = inputScale * weightScales[c];
            biases[c] = (int)Math.Clamp(Math.Round(bias[c] / biasScales[c]), int.MinValue, int.MaxValue);
        }
        var axis = OnnxGraph.Attribute("axis", 0L);
        var weight = _graph.Node("DequantizeLinear", [
            _graph.Initializer($"{conv}.weight_q", OnnxGraph.Int8, MemoryMarshal.AsBytes(weights.AsSpan()), shape),
            _graph.Initializer($"{conv}.weight_scale", weightScales, outputs),
            _graph.Initializer($"{conv}.weight_zero_point", OnnxGraph.Int8, new byte[outputs], outputs)], $"{conv}.weight", axis);
        var biasName = _graph.Node("DequantizeLinear", [
            _graph.Initializer($"{conv}.bias_q", OnnxGraph.Int32, MemoryMarshal.AsBytes(biases.AsSpan()), outputs),
            _graph.Initializer($"{conv}.bias_scale", biasScales, outputs),
            _graph.Initializer($"{conv}.bias_zero_point", OnnxGraph.Int32, new byte[outputs * sizeof(int)], outputs)], $"{conv}.bias", axis);
        return (weight, biasName);
    }

    private string Weight(string name)
    {
        var tensor = _weights[name];
        return _graph.Initializer(name, tensor.contiguous().data<float>().ToArray(), tensor.shape);
    }
}
