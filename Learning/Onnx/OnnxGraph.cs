using System.Runtime.InteropServices;

namespace OrleansGoRelay.Learning.Onnx;

/// <summary>
/// An ONNX model under construction (IR version 8, default domain at opset 17): initializers, nodes, inputs and
/// outputs, written with ONNX's field numbers from <c>onnx.proto</c>.
/// </summary>
internal sealed class OnnxGraph(string name)
{
    public const int Opset = 17;
    private const long IrVersion = 8;

    // TensorProto.DataType
    public const int Float = 1;
    public const int Int8 = 3;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int UInt8 = 2;

    private readonly ProtoMessage _graph = new ProtoMessage().String(2, name);
    private int _nodes;

    /// <summary>A constant tensor of floats.</summary>
    public string Initializer(string tensorName, ReadOnlySpan<float> values, params long[] dims) =>
        Initializer(tensorName, Float, MemoryMarshal.AsBytes(values), dims);

    /// <summary>A constant tensor of 64-bit integers.</summary>
    public string Initializer(string tensorName, ReadOnlySpan<long> values, params long[] dims) =>
        Initializer(tensorName, Int64, MemoryMarshal.AsBytes(values), dims);

    /// <summary>A constant tensor of raw little-endian bytes of <paramref name="dataType"/>.</summary>
    public string Initializer(string tensorName, int dataType, ReadOnlySpan<byte> raw, params long[] dims)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian.");
        }
        // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
        var tensor = new ProtoMessage().Int64s(1, dims).Int64(2, dataType).String(8, tensorName).Bytes(9, raw);
        _graph.Message(5, tensor);
        return tensorName;
    }

    /// <summary>A node; returns its (first) output's name.</summary>
    public string Node(string opType, string[] inputs, string output, params ProtoMessage[] attributes)
    {
        // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
        var node = new ProtoMessage();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }
        node.String(2, output).String(3, $"{opType.ToLowerInvariant()}_{_nodes++}").String(4, opType);
        foreach (var attribute in attributes)
        {
            node.Message(5, attribute);
        }
        _graph.Message(1, node);
        return output;
    }

    // AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
    public static ProtoMessage Attribute(string attributeName, long value) => new ProtoMessage().String(1, attributeName).Int64(3, value).Int64(20, 2);

    public static ProtoMessage Attribute(string attributeName, float value) => new ProtoMessage().String(1, attributeName).Float(2, value).Int64(20, 1);

    public static ProtoMessage Attribute(string attributeName, long[] values) => new ProtoMessage().String(1, attributeName).Int64s(8, values).Int64(20, 7);

    /// <summary>A graph input or output: a float tensor whose dimensions are numbers or, for a string, named and free (null: shape left unstated).</summary>
    public void Input(string valueName, params object[] dims) => _graph.Message(11, ValueInfo(valueName, dims));

    public void Output(string valueName, params object[]? dims) => _graph.Message(12, ValueInfo(valueName, dims));

    /// <summary>The whole model's bytes.</summary>
    public byte[] ToModel(string producer, string docString)
    {
        // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8 (domain 1, version 2).
        return new ProtoMessage()
            .Int64(1, IrVersion)
            .String(2, producer)
            .String(3, typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0")
            .String(6, docString)
            .Message(7, _graph)
            .Message(8, new ProtoMessage().String(1, "").Int64(2, Opset))
            .ToArray();
    }

    private static ProtoMessage ValueInfo(string valueName, object[]? dims)
    {
        // ValueInfoProto: name 1, type 2; TypeProto.tensor_type 1: elem_type 1, shape 2; TensorShapeProto.dim 1: dim_value 1, dim_param 2.
        var tensorType = new ProtoMessage().Int64(1, Float);
        if (dims is not null)
        {
            var shape = new ProtoMessage();
            foreach (var dim in dims)
            {
                shape.Message(1, dim is string free ? new ProtoMessage().String(2, free) : new ProtoMessage().Int64(1, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture)));
            }
            tensorType.Message(2, shape);
        }
        return new ProtoMessage().String(1, valueName).Message(2, new ProtoMessage().Message(1, tensorType));
    }
}
