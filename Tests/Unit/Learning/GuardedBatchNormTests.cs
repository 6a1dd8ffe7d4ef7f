using OrleansGoRelay.Learning.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansGoRelay.Tests.Learning;

public sealed class GuardedBatchNormTests
{
    [Fact]
    public void HoldsTheSameStateInTheSameOrderAsTorchSharpsBatchNorm()
    {
        using var reference = nn.BatchNorm2d(6);
        using var guarded = new GuardedBatchNorm2d(6);
        var expected = reference.state_dict().Select(p => (p.Key, string.Join('x', p.Value.shape), p.Value.dtype)).ToList();
        var actual = guarded.state_dict().Select(p => (p.Key, string.Join('x', p.Value.shape), p.Value.dtype)).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void NormalisesAndTracksRunningStatisticsAsTorchSharpsBatchNorm()
    {
        using var reference = nn.BatchNorm2d(3);
        using var guarded = new GuardedBatchNorm2d(3);
        random.manual_seed(5);
        using var input = randn(8, 3, 5, 5) * 2 + 1;
        using (no_grad())
        {
            reference.weight!.copy_(tensor(new[] { 0.5f, 1.5f, -1f }));
            guarded.state_dict()["weight"].copy_(tensor(new[] { 0.5f, 1.5f, -1f }));
        }
        reference.train();
        guarded.train();
        for (var step = 0; step < 3; step++)
        {
            using var a = reference.forward(input);
            using var b = guarded.forward(input);
            Assert.True(allclose(a, b, rtol: 1e-5, atol: 1e-5), $"training step {step} differs");
        }
        foreach (var name in new[] { "running_mean", "running_var", "num_batches_tracked" })
        {
            Assert.True(allclose(reference.state_dict()[name].to(float64), guarded.state_dict()[name].to(float64), rtol: 1e-6, atol: 1e-6), name);
        }
        Assert.Equal(3L, guarded.state_dict()["num_batches_tracked"].item<long>());
        reference.eval();
        guarded.eval();
        using var c = reference.forward(input);
        using var d = guarded.forward(input);
        Assert.True(allclose(c, d, rtol: 1e-5, atol: 1e-5));
    }

    /// <summary>
    /// The reason the module exists: TorchSharp's batch norm lets a temporary scalar be finalised during the native add
    /// that counts batches. Training forwards while another thread forces collections and finalizers must never fail.
    /// </summary>
    [Fact]
    public async Task TrainingForwardsSurviveGarbageCollectionsRunningBesideThem()
    {
        using var guarded = new GuardedBatchNorm2d(4);
        guarded.train();
        using var input = randn(2, 4, 3, 3);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            for (var i = 0; i < 20_000; i++)
            {
                using var scope = NewDisposeScope();
                _ = guarded.forward(input);
                _ = 1.ToScalar(); // garbage scalars for the finalizer thread, as any torch code makes
            }
        }
        finally
        {
            stop.Cancel();
            await collector;
        }
        Assert.Equal(20_000L, guarded.state_dict()["num_batches_tracked"].item<long>());
    }
}
