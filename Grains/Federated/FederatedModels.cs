using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Validation;
using OrleansGoRelay.Learning.Model;
using OrleansGoRelay.Learning.Onnx;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// A silo's model work for the rounds and the registry: the held-out validation positions (read once, per board size,
/// from <see cref="FederatedOptions.ValidationGames"/>; the cluster never gives them to a relay), their shards, the
/// genesis weights, and the ONNX export of a version. TorchSharp's nets are not thread-safe: shards are used under a
/// lock per layout, which is the one place the silo runs model code.
/// </summary>
public sealed partial class FederatedModels(IOptions<FederatedOptions> options, ILogger<FederatedModels> logger) : IDisposable
{
    private readonly ConcurrentDictionary<int, Lazy<IReadOnlyList<TrainingPosition>>> _positions = new();
    private readonly ConcurrentDictionary<NetConfig, (ValidationShard Full, ValidationShard Quick, SemaphoreSlim Gate)> _shards = new();
    private readonly ConcurrentDictionary<int, Lazy<(float[] Planes, int Count)>> _calibration = new();

    /// <summary>The validation positions for a board size (shuffled deterministically, at most the configured count).</summary>
    public IReadOnlyList<TrainingPosition> ValidationPositions(int boardSize) => _positions.GetOrAdd(boardSize, size => new Lazy<IReadOnlyList<TrainingPosition>>(() =>
    {
        var settings = options.Value;
        var files = settings.ValidationGames.Where(File.Exists).ToList();
        if (files.Count == 0)
        {
            throw new RequestRefusedException(StatusCodes.Status503ServiceUnavailable, "registry_not_configured",
                $"The model registry has no validation games: set {FederatedOptions.Section}:ValidationGames to SGF collections of {size}x{size} games (found none of: {string.Join(", ", settings.ValidationGames)}).");
        }
        // Every game of these files is held out (they are the cluster's, never a relay's); one position in three, so one game does not dominate.
        var positions = GameCollections.Read(files, size, new GameSplit(), settings.ValidationSplitOnly ? DataPart.Validation : null)
            .SelectMany(game => GamePositions.Of(game).Where((_, i) => i % 3 == 0))
            .Take(settings.ValidationPositions * 4)
            .ToList();
        var random = new Random(7);
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(positions));
        var taken = positions.Take(settings.ValidationPositions).ToList();
        if (taken.Count == 0)
        {
            throw new RequestRefusedException(StatusCodes.Status503ServiceUnavailable, "registry_not_configured", $"The validation games hold no {size}x{size} positions.");
        }
        LogValidation(logger, taken.Count, size, string.Join(", ", files));
        return taken;
    })).Value;

    /// <summary>Runs <paramref name="work"/> with the full and quick shards of <paramref name="config"/>, one caller at a time.</summary>
    public async Task<T> WithShardsAsync<T>(NetConfig config, Func<ValidationShard, ValidationShard, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var (full, quick, gate) = _shards.GetOrAdd(config, c =>
        {
            var layout = ParameterLayout.Of(c);
            var positions = ValidationPositions(c.BoardSize);
            var quickCount = Math.Clamp(options.Value.QuickValidationPositions, 1, positions.Count);
            return (new ValidationShard(layout, positions), new ValidationShard(layout, [.. positions.Take(quickCount)]), new SemaphoreSlim(1));
        });
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            TorchSharp.torch.set_num_threads(options.Value.Threads > 0 ? options.Value.Threads : Environment.ProcessorCount);
            // Model code is CPU-bound: off the grain scheduler, so the silo keeps answering while it runs.
            return await Task.Run(() => work(full, quick)).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The measured figures of <paramref name="weights"/> and which positions it got right.</summary>
    public Task<(ModelMetrics Metrics, bool[] Correct)> EvaluateAsync(NetConfig config, float[] weights) => WithShardsAsync(config, (full, _) =>
    {
        var e = full.Evaluate(weights);
        return (new ModelMetrics(Math.Round(e.Top1 * 100, 3), Math.Round(e.Top5 * 100, 3), null, null, Math.Round(e.Loss, 5), full.Count), e.Correct);
    });

    /// <summary>The genesis version's shape and weights.</summary>
    public (NetConfig Config, float[] Weights) Genesis()
    {
        var settings = options.Value;
        if (settings.GenesisCheckpoint is { Length: > 0 } folder)
        {
            var (net, _, _) = Learning.Training.TrainingCheckpoint.LoadNet(folder);
            using (net)
            {
                return (net.Config, ParameterLayout.Of(net).Read(net));
            }
        }
        var shape = settings.Genesis;
        var config = new NetConfig(shape.BoardSize, shape.Blocks, shape.Channels, shape.ValueHidden);
        return (config, ParameterLayout.Of(config).Initial(shape.Seed));
    }

    /// <summary>The ONNX file of a version.</summary>
    public static byte[] ExportOnnx(NetConfig config, float[] weights, string description)
    {
        using var net = ParameterLayout.Of(config).CreateNet(weights);
        return OnnxExporter.Export(net, description);
    }

    /// <summary>
    /// The int8 ONNX file of a version, for serving: static quantisation with activation ranges measured on 1,000
    /// positions from the training part of the validation collections' split by game hash (not the held-out part the
    /// registry measures on, when <see cref="FederatedOptions.ValidationSplitOnly"/> keeps them apart). Null when
    /// those collections hold no such positions (the caller serves fp32).
    /// </summary>
    public byte[]? ExportInt8Onnx(NetConfig config, float[] weights, string description)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (planes, count) = _calibration.GetOrAdd(config.BoardSize, size => new Lazy<(float[], int)>(() =>
        {
            var files = options.Value.ValidationGames.Where(File.Exists).ToList();
            var sample = Learning.Training.PositionSample.Load(files, size, new GameSplit(), 1_000, DataPart.Training);
            return (sample.FloatPlanes(), sample.Count);
        })).Value;
        if (count == 0)
        {
            return null;
        }
        using var net = ParameterLayout.Of(config).CreateNet(weights);
        return OnnxExporter.ExportInt8(net, planes, count, description: description);
    }

    public void Dispose()
    {
        foreach (var (full, quick, gate) in _shards.Values)
        {
            full.Dispose();
            quick.Dispose();
            gate.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Federated validation: {Positions} held-out positions of size-{Size} games from {Files}")]
    private static partial void LogValidation(ILogger logger, int positions, int size, string files);
}
