using System.Diagnostics;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Features;
using static TorchSharp.torch;

namespace OrleansGoRelay.Learning.Federated.Clients;

/// <summary>How one client trains in a round.</summary>
/// <param name="Steps">Optimiser steps; 0 means <paramref name="Epochs"/> passes over the client's positions instead.</param>
/// <param name="Epochs">Passes over the positions when <paramref name="Steps"/> is 0.</param>
/// <param name="BatchSize">Positions per step.</param>
/// <param name="LearningRate">The client's SGD learning rate.</param>
/// <param name="Momentum">SGD momentum (the optimiser is fresh each round: clients keep no state between rounds).</param>
/// <param name="ProximalMu">FedProx's μ (Li et al. 2020): adds μ/2·‖w − w₀‖² over the trainable weights, 0 for FedAvg.</param>
/// <param name="ValueWeight">Weight of the value loss beside the move loss, as in central training.</param>
/// <param name="Seed">Seed of the batch order and the symmetries.</param>
public sealed record LocalTrainingOptions(
    int Steps = 20, int Epochs = 1, int BatchSize = 32, double LearningRate = 0.05, double Momentum = 0.0, double ProximalMu = 0.0,
    double ValueWeight = 0.25, int Seed = 1)
{
    /// <summary>The steps a client with <paramref name="positions"/> positions takes.</summary>
    public int StepsFor(int positions) => Steps > 0 ? Steps : Math.Max(1, Epochs * (int)Math.Ceiling(positions / (double)BatchSize));
}

/// <summary>What one client's local training measured.</summary>
/// <param name="Examples">Positions the client holds (FedAvg's weight).</param>
/// <param name="PositionsSeen">Positions it trained on (steps × batch).</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Loss">Mean training loss over the steps (including the proximal term).</param>
/// <param name="Accuracy">Top-1 move accuracy on its training batches.</param>
/// <param name="ComputeSeconds">Wall time of the training.</param>
public sealed record LocalTrainingMetrics(long Examples, long PositionsSeen, int Steps, double Loss, double Accuracy, double ComputeSeconds);

/// <summary>A client's result: its update and how it was made.</summary>
public sealed record LocalTrainingResult(ClientUpdate Update, LocalTrainingMetrics Metrics);

/// <summary>
/// One client's local step of a federated round: from the round's starting weights, SGD over the client's own positions
/// (each under a random symmetry, in a seeded order), returning the change to the weights. The positions never leave
/// the client; only the update does.
/// </summary>
public static class LocalTrainer
{
    /// <summary>Trains a copy of <paramref name="start"/> on <paramref name="positions"/> and returns the update.</summary>
    public static LocalTrainingResult Train(string clientId, ParameterLayout layout, float[] start, IReadOnlyList<TrainingPosition> positions, LocalTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(options);
        if (positions.Count == 0)
        {
            throw new ArgumentException($"Client {clientId} has no positions to train on.", nameof(positions));
        }
        var clock = Stopwatch.StartNew();
        var size = layout.Config.BoardSize;
        var perPosition = InputPlanes.Count * size * size;
        var batch = Math.Min(options.BatchSize, positions.Count);
        var steps = options.StepsFor(positions.Count);
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, positions.Count).ToArray();
        random.Shuffle(order);
        var next = 0;

        using var net = layout.CreateNet(start);
        net.train();
        var trainable = net.parameters().ToList();
        var anchors = options.ProximalMu > 0 ? trainable.Select(p => p.detach().clone()).ToList() : null;
        using var optimizer = optim.SGD(trainable, options.LearningRate, momentum: options.Momentum);
        var planes = new float[batch * perPosition];
        var moves = new long[batch];
        var outcomes = new float[batch];
        var weights = new float[batch];
        var turned = new byte[perPosition];
        double lossSum = 0;
        long correct = 0;
        for (var step = 0; step < steps; step++)
        {
            for (var b = 0; b < batch; b++)
            {
                if (next == order.Length)
                {
                    random.Shuffle(order);
                    next = 0;
                }
                var position = positions[order[next++]];
                var symmetry = random.Next(Symmetry.Count);
                Symmetry.ApplyToPlanes<byte>(symmetry, size, InputPlanes.Count, position.Planes, turned);
                InputPlanes.ToFloats(turned, planes.AsSpan(b * perPosition, perPosition));
                moves[b] = Symmetry.Apply(symmetry, size, position.Move);
                outcomes[b] = position.Outcome;
                weights[b] = position.HasOutcome ? 1f : 0f;
            }
            using var scope = NewDisposeScope();
            var (policy, value) = net.forward(tensor(planes, [batch, InputPlanes.Count, size, size]));
            var targets = tensor(moves);
            var outcomeWeights = tensor(weights);
            var valueLoss = ((value - tensor(outcomes)).square() * outcomeWeights).sum() / outcomeWeights.sum().clamp_min(1);
            var loss = nn.functional.cross_entropy(policy, targets) + options.ValueWeight * valueLoss;
            if (anchors is not null)
            {
                var proximal = zeros(1);
                for (var i = 0; i < trainable.Count; i++)
                {
                    proximal += (trainable[i] - anchors[i]).square().sum();
                }
                loss += options.ProximalMu / 2 * proximal.squeeze();
            }
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>();
            correct += policy.argmax(1).eq(targets).sum().item<long>();
        }
        anchors?.ForEach(a => a.Dispose());
        var delta = layout.Read(net);
        for (var i = 0; i < delta.Length; i++)
        {
            delta[i] -= start[i];
        }
        var seen = (long)steps * batch;
        var metrics = new LocalTrainingMetrics(positions.Count, seen, steps, lossSum / steps, (double)correct / seen, clock.Elapsed.TotalSeconds);
        return new LocalTrainingResult(new ClientUpdate(clientId, delta, positions.Count), metrics);
    }
}
