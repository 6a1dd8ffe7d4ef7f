using OrleansGoRelay.Learning.Features;
using OrleansGoRelay.Learning.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansGoRelay.Tests.Learning;

public sealed class NetworkTests
{
    [Fact]
    public void LibTorchLoadsAfterTheBuildWeakensItsGlibcxxRequirement()
    {
        // Without build/TorchSharpNativeFix.targets this throws: version `GLIBCXX_3.4.32' not found (Debian 12).
        using var sum = torch.ones(3, 4).sum();
        Assert.Equal(12f, sum.item<float>());
    }

    [Fact]
    public void TheNetMapsABatchOfPlanesToOneLogitPerMoveAndAValueInMinusOneToOne()
    {
        using var net = new PolicyValueNet(new NetConfig(BoardSize: 9, Blocks: 2, Channels: 8));
        net.eval();
        using var input = torch.rand(5, InputPlanes.Count, 9, 9);
        var (policy, value) = net.forward(input);
        using (policy)
        using (value)
        {
            Assert.Equal([5L, 82L], policy.shape);
            Assert.Equal([5L], value.shape);
            Assert.All(value.data<float>().ToArray(), v => Assert.InRange(v, -1f, 1f));
        }
    }

    [Fact]
    public void ATinyNetLearnsAFixedRuleUntilItIsPerfect()
    {
        // The rule: play just right of the opponent's last move. Only local convolution can learn it, and the policy
        // head must map it to the right index: a check that the planes, the net and the optimiser work together.
        torch.random.manual_seed(1);
        const int size = 9, batch = 64;
        using var net = new PolicyValueNet(new NetConfig(BoardSize: size, Blocks: 1, Channels: 16));
        using var optimizer = optim.Adam(net.parameters(), 0.01);
        var random = new Random(2);
        (Tensor Input, Tensor Target) Batch()
        {
            var planes = new float[batch * InputPlanes.Count * size * size];
            var targets = new long[batch];
            for (var b = 0; b < batch; b++)
            {
                int x = random.Next(size - 1), y = random.Next(size);
                var offset = b * InputPlanes.Count * size * size;
                planes[offset + InputPlanes.History * size * size + y * size + x] = 1;
                for (var p = 0; p < size * size; p++)
                {
                    planes[offset + InputPlanes.OnBoard * size * size + p] = 1;
                    planes[offset + InputPlanes.Empty * size * size + p] = 1;
                }
                targets[b] = y * size + x + 1;
            }
            return (tensor(planes, [batch, InputPlanes.Count, size, size]), tensor(targets));
        }
        var accuracy = 0.0;
        for (var step = 0; step < 1_500 && accuracy < 1.0; step++)
        {
            using var scope = NewDisposeScope();
            var (input, target) = Batch();
            net.train();
            var (policy, _) = net.forward(input);
            var loss = nn.functional.cross_entropy(policy, target);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            if (step % 50 == 49)
            {
                net.eval();
                using (no_grad())
                {
                    var (check, checkTarget) = Batch();
                    var (checkPolicy, _) = net.forward(check);
                    accuracy = checkPolicy.argmax(1).eq(checkTarget).to_type(ScalarType.Float32).mean().item<float>();
                }
            }
        }
        Assert.Equal(1.0, accuracy);
    }

    [Fact]
    public void TheMultiplyAddCountFollowsTheShape()
    {
        var small = new NetConfig(BoardSize: 19, Blocks: 6, Channels: 64);
        // The tower dominates: 12 convolutions of 64→64 3×3 over 361 points.
        Assert.InRange(small.MultiplyAddsPerPosition, 12L * 361 * 64 * 64 * 9, 14L * 361 * 64 * 64 * 9);
        Assert.True(new NetConfig(Blocks: 12).MultiplyAddsPerPosition > small.MultiplyAddsPerPosition);
    }
}
