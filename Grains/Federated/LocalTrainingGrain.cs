using System.Security.Cryptography;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Validation;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// A client's local training as a round would run it (the MCP tool <c>train_local</c>): the client's SGF games become
/// positions, <see cref="LocalTrainer"/> trains the registry version on them, and the answer is the int8-encoded update
/// with its hash, the training metrics and the loss before and after on the client's own positions. Bounded: at most
/// <see cref="MaxGames"/> games, <see cref="MaxSteps"/> steps of at most <see cref="MaxBatch"/> positions, one run at a
/// time per silo (the activation is not reentrant and there is one per silo).
/// </summary>
[GrainType("local-training")]
[StatelessWorker(1)]
public sealed class LocalTrainingGrain(IFederatedStore store, ModelRegistry registry) : Grain, ILocalTrainingGrain
{
    /// <summary>The most games one call may send.</summary>
    public const int MaxGames = 50;

    /// <summary>The most optimiser steps one call may ask for.</summary>
    public const int MaxSteps = 200;

    /// <summary>The largest batch.</summary>
    public const int MaxBatch = 64;

    /// <summary>The most of the client's positions the before/after loss is measured on.</summary>
    private const int MeasuredPositions = 512;

    public async Task<LocalTrainingAnswer> Train(LocalTrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Games is not { Count: > 0 } games)
        {
            throw RequestRefusedException.BadRequest("games_required", "Send 1 to 50 games as SGF text.");
        }
        if (games.Count > MaxGames)
        {
            throw new RequestRefusedException(413, "payload_too_large", $"{games.Count} games sent; one call trains on at most {MaxGames}.");
        }
        var steps = request.Steps ?? 50;
        var batch = request.BatchSize ?? 32;
        var rate = request.LearningRate ?? 0.05;
        if (steps is < 1 or > MaxSteps || batch is < 1 or > MaxBatch || !(rate > 0 && rate <= 1))
        {
            throw RequestRefusedException.BadRequest("invalid_training_plan", $"steps is 1 to {MaxSteps}, batchSize 1 to {MaxBatch}, learningRate in (0, 1].");
        }
        var version = request.ModelVersion is { Length: > 0 } asked
            ? (await store.VersionAsync(asked.Trim().ToLowerInvariant()) ?? throw RequestRefusedException.NotFound("unknown_model", $"There is no model version '{asked}'.")).ModelHash
            : (await registry.CurrentAsync()).ModelHash;
        var (config, weights) = await registry.LoadAsync(version);
        var records = games.Select((sgf, i) => SgfInput.ParseGame(sgf, $"games[{i}]")).ToList();
        if (records.FindIndex(r => r.Size != config.BoardSize) is var wrong and >= 0)
        {
            throw RequestRefusedException.BadRequest("wrong_board_size", $"games[{wrong}] is {records[wrong].Size}x{records[wrong].Size}; the model plays {config.BoardSize}x{config.BoardSize}.");
        }
        var positions = records.SelectMany(GamePositions.Of).ToList();
        if (positions.Count == 0)
        {
            throw RequestRefusedException.Unprocessable("no_positions", "The games hold no legal moves to learn from.");
        }
        var layout = ParameterLayout.Of(config);
        var (result, before, after) = await Task.Run(() =>
        {
            var trained = LocalTrainer.Train("mcp", layout, weights, positions, new LocalTrainingOptions(Steps: steps, BatchSize: batch, LearningRate: rate));
            using var shard = new ValidationShard(layout, [.. positions.Take(MeasuredPositions)]);
            return (trained, shard.Score(weights).Loss, shard.ScoreWith(weights, trained.Update.Delta).Loss);
        });
        var update = UpdateCodecs.Create("int8", layout).Encode(result.Update.Delta);
        var metrics = result.Metrics;
        return new LocalTrainingAnswer(version, "int8", update, Convert.ToHexStringLower(SHA256.HashData(update)), result.Update.Delta.Length,
            Math.Round(VectorMath.L2Norm(result.Update.Delta), 6), records.Count, positions.Count, metrics.Steps, Math.Round(metrics.Loss, 5),
            Math.Round(metrics.Accuracy, 4), Math.Round(before, 5), Math.Round(after, 5), Math.Round(metrics.ComputeSeconds, 3));
    }
}
