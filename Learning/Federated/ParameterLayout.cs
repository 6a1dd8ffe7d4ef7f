using OrleansGoRelay.Learning.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Federated;

/// <summary>One named tensor's place in the flat vector.</summary>
/// <param name="Name">Its name in the net's state dictionary (<c>block0.conv1.weight</c>).</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Offset">Where it starts in the flat vector.</param>
/// <param name="Length">How many floats it has.</param>
public sealed record ParameterTensor(string Name, long[] Shape, int Offset, int Length)
{
    /// <summary>Whether it is a batch norm's running statistic (moved by the data seen, not by gradients).</summary>
    public bool IsStatistic => Name.Contains("running_", StringComparison.Ordinal);
}

/// <summary>
/// The flat parameter vector federated rounds exchange for one <see cref="NetConfig"/>: every floating-point tensor of
/// the net's state dictionary (weights, biases and the batch norms' running means and variances, so a round's model is
/// the whole model), in the dictionary's order. Batch norms' step counters are integers and stay local.
/// </summary>
public sealed class ParameterLayout
{
    private ParameterLayout(NetConfig config, IReadOnlyList<ParameterTensor> tensors)
    {
        Config = config;
        Tensors = tensors;
        Length = tensors.Count == 0 ? 0 : tensors[^1].Offset + tensors[^1].Length;
    }

    /// <summary>The net this layout describes.</summary>
    public NetConfig Config { get; }

    /// <summary>The tensors in vector order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Floats in the vector.</summary>
    public int Length { get; }

    /// <summary>The layout of <paramref name="config"/>'s net.</summary>
    public static ParameterLayout Of(NetConfig config)
    {
        using var net = new PolicyValueNet(config);
        return Of(net);
    }

    /// <summary>The layout of <paramref name="net"/>.</summary>
    public static ParameterLayout Of(PolicyValueNet net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var tensors = new List<ParameterTensor>();
        var offset = 0;
        foreach (var (name, tensor) in net.state_dict())
        {
            if (!torch.is_floating_point(tensor))
            {
                continue;
            }
            var length = checked((int)tensor.numel());
            tensors.Add(new ParameterTensor(name, tensor.shape, offset, length));
            offset = checked(offset + length);
        }
        return new ParameterLayout(net.Config, tensors);
    }

    /// <summary>The net's current values as one flat vector.</summary>
    public float[] Read(PolicyValueNet net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var vector = new float[Length];
        var state = net.state_dict();
        foreach (var t in Tensors)
        {
            var values = state[t.Name].contiguous().data<float>().ToArray();
            values.CopyTo(vector, t.Offset);
        }
        return vector;
    }

    /// <summary>Writes <paramref name="vector"/> into the net's tensors (in place, outside autograd).</summary>
    public void Write(PolicyValueNet net, float[] vector)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(vector);
        if (vector.Length != Length)
        {
            throw new ArgumentException($"The vector has {vector.Length:N0} values; this model has {Length:N0}.", nameof(vector));
        }
        var state = net.state_dict();
        using var noGrad = no_grad();
        foreach (var t in Tensors)
        {
            using var source = tensor(vector.AsSpan(t.Offset, t.Length).ToArray(), t.Shape);
            state[t.Name].copy_(source);
        }
    }

    /// <summary>A fresh net of this layout holding <paramref name="vector"/>.</summary>
    public PolicyValueNet CreateNet(float[] vector)
    {
        var net = new PolicyValueNet(Config);
        Write(net, vector);
        return net;
    }

    /// <summary>The initial weights of a net built with <paramref name="seed"/> (TorchSharp's default initialisation).</summary>
    public float[] Initial(int seed)
    {
        random.manual_seed(seed);
        using var net = new PolicyValueNet(Config);
        return Read(net);
    }

    /// <summary>The tensor that holds vector index <paramref name="index"/>.</summary>
    public ParameterTensor TensorAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
        var lo = 0;
        var hi = Tensors.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (Tensors[mid].Offset <= index)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return Tensors[lo];
    }
}
