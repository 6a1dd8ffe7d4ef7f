using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace OrleansGoRelay.Learning.Model;

/// <summary>
/// A residual policy/value network (after AlphaGo Zero's, sized for a CPU): a 3×3 stem, <see cref="NetConfig.Blocks"/>
/// residual blocks of two 3×3 convolutions with batch norm, a policy head (1×1 convolution to 2 planes, then a linear
/// layer to size² + 1 logits) and a value head (1×1 convolution to 1 plane, a hidden layer, tanh). Input:
/// batch × <see cref="Features.InputPlanes.Count"/> × size × size floats.
/// </summary>
/// <remarks>
/// Only convolution, batch norm, ReLU, addition, flattening, linear layers and tanh, so the ONNX writer needs no other
/// operator (batch norm folds into the convolution before it).
/// </remarks>
public sealed class PolicyValueNet : Module<Tensor, (Tensor Policy, Tensor Value)>
{
    private readonly Sequential _stem;
    private readonly ModuleList<ResidualBlock> _blocks;
    private readonly Sequential _policyHead;
    private readonly Linear _policy;
    private readonly Sequential _valueHead;
    private readonly Linear _valueHidden;
    private readonly Linear _value;

    public PolicyValueNet(NetConfig config) : base("policy_value_net")
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        var area = config.BoardSize * config.BoardSize;
        _stem = Sequential(
            ("conv", Conv2d(Features.InputPlanes.Count, config.Channels, 3, padding: 1, bias: false)),
            ("bn", new GuardedBatchNorm2d(config.Channels)),
            ("relu", ReLU()));
        _blocks = new ModuleList<ResidualBlock>([.. Enumerable.Range(0, config.Blocks).Select(i => new ResidualBlock($"block{i}", config.Channels))]);
        _policyHead = Sequential(("conv", Conv2d(config.Channels, 2, 1, bias: false)), ("bn", new GuardedBatchNorm2d(2)), ("relu", ReLU()));
        _policy = Linear(2 * area, config.Moves);
        _valueHead = Sequential(("conv", Conv2d(config.Channels, 1, 1, bias: false)), ("bn", new GuardedBatchNorm2d(1)), ("relu", ReLU()));
        _valueHidden = Linear(area, config.ValueHidden);
        _value = Linear(config.ValueHidden, 1);
        RegisterComponents();
    }

    /// <summary>The shape this net was built with.</summary>
    public NetConfig Config { get; }

    /// <summary>Policy logits (batch × size² + 1) and value (batch, in −1..1, for the side to move).</summary>
    public override (Tensor Policy, Tensor Value) forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _stem.forward(input);
        foreach (var block in _blocks)
        {
            x = block.forward(x);
        }
        var policy = _policy.forward(_policyHead.forward(x).flatten(1));
        var hidden = functional.relu(_valueHidden.forward(_valueHead.forward(x).flatten(1)));
        var value = _value.forward(hidden).tanh().squeeze(1);
        return (policy.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope());
    }

    /// <summary>The tower's blocks, for the ONNX writer.</summary>
    internal IReadOnlyList<ResidualBlock> Blocks => [.. _blocks];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stem.Dispose();
            _blocks.Dispose();
            _policyHead.Dispose();
            _policy.Dispose();
            _valueHead.Dispose();
            _valueHidden.Dispose();
            _value.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>conv–bn–relu–conv–bn, plus the input, then relu.</summary>
internal sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d _conv1;
    private readonly GuardedBatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly GuardedBatchNorm2d _bn2;

    public ResidualBlock(string name, int channels) : base(name)
    {
        _conv1 = Conv2d(channels, channels, 3, padding: 1, bias: false);
        _bn1 = new GuardedBatchNorm2d(channels);
        _conv2 = Conv2d(channels, channels, 3, padding: 1, bias: false);
        _bn2 = new GuardedBatchNorm2d(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(_bn1.forward(_conv1.forward(input)));
        x = _bn2.forward(_conv2.forward(x));
        return functional.relu(x + input).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _conv1.Dispose();
            _bn1.Dispose();
            _conv2.Dispose();
            _bn2.Dispose();
        }
        base.Dispose(disposing);
    }
}
