using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Model;

/// <summary>
/// Batch normalisation over channels, as <c>torch.nn.BatchNorm2d</c> (momentum 0.1, ε 1e-5, affine, running statistics)
/// with the same state (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>,
/// in that order), so checkpoints, the parameter layout and the ONNX writer read it unchanged.
/// </summary>
/// <remarks>
/// Why not TorchSharp's own: in training its forward counts the batch with <c>num_batches_tracked.add_(1)</c>, which
/// makes a temporary <see cref="Scalar"/> for the alpha of 1 and passes only its native handle on. Nothing keeps the
/// temporary alive during the native call, so a garbage collection at that moment can run its finalizer and free the
/// scalar while libtorch reads it: the add then sees a freed alpha ("For integral input tensors, argument alpha must
/// not be a floating point number"). It was seen on loaded machines, killing a relay's trainer mid-round. This module
/// holds its scalar for its whole life and passes momentum and ε as plain doubles.
/// </remarks>
public sealed class GuardedBatchNorm2d : nn.Module<Tensor, Tensor>
{
    private const double Momentum = 0.1;
    private const double Epsilon = 1e-5;
    private readonly Parameter _weight;
    private readonly Parameter _bias;
    private readonly Tensor _runningMean;
    private readonly Tensor _runningVariance;
    private readonly Tensor _batchesTracked;
    private readonly Scalar _one = 1L.ToScalar();

    public GuardedBatchNorm2d(long features) : base("BatchNorm2d")
    {
        _weight = new Parameter(ones(features));
        _bias = new Parameter(zeros(features));
        _runningMean = zeros(features);
        _runningVariance = ones(features);
        _batchesTracked = tensor(0L);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
        register_buffer("running_mean", _runningMean);
        register_buffer("running_var", _runningVariance);
        register_buffer("num_batches_tracked", _batchesTracked);
    }

    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (training)
        {
            using var noGrad = no_grad();
            _batchesTracked.add_(_one, _one);
        }
        return nn.functional.batch_norm(input, _runningMean, _runningVariance, _weight, _bias, training, Momentum, Epsilon);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _weight.Dispose();
            _bias.Dispose();
            _runningMean.Dispose();
            _runningVariance.Dispose();
            _batchesTracked.Dispose();
            _one.Dispose();
        }
        base.Dispose(disposing);
    }
}
