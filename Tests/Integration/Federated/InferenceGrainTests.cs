using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Federated;

/// <summary>The inference grain on the registry's promoted version (one silo in process, on PostgreSQL).</summary>
public sealed class InferenceGrainTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ThePromotedModelAnswersLegalPositionsWithLegalMovesAndRefusesTheOthers()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 300);
        await SiloHosts.WaitReadyAsync(host.CreateClient());
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var inference = grains.GetGrain<IInferenceGrain>(0);
        var promoted = await grains.GetGrain<Grains.Federated.IModelRegistryGrain>(Grains.Federated.IModelRegistryGrain.Key).Current();

        var occupied = new[] { "E5", "C3", "G7" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            inference.Predict(new PredictRequest(null, 9, 7.5, "chinese", null, occupied, "W", TopK: 4))));
        foreach (var answer in answers)
        {
            Assert.Equal(promoted.ModelHash, answer.ModelVersion);
            Assert.DoesNotContain(answer.Move, occupied);
            Assert.Equal(4, answer.Alternatives.Count);
            Assert.Equal(answer.Move, answer.Alternatives[0].Move);
            Assert.InRange(answer.Alternatives.Sum(a => a.Probability), 0, 1.000001);
            Assert.InRange(answer.WinProbability, 0, 1);
            Assert.Equal(0, answer.CrowdConsensus); // no round has trained a version yet
            Assert.Equal(0, answer.Charged);
        }
        Assert.Single(answers.Select(a => a.Move).Distinct()); // the same position, the same answer, batched or not

        var occupiedPoint = await Assert.ThrowsAsync<RequestRefusedException>(() => inference.Predict(new PredictRequest(null, 9, 7.5, null, null, ["E5", "E5"], "B")));
        Assert.Equal((422, "illegal_move"), (occupiedPoint.Status, occupiedPoint.Code));
        var wrongSize = await Assert.ThrowsAsync<RequestRefusedException>(() => inference.Predict(new PredictRequest(null, 19, 7.5, null, null, null, "B")));
        Assert.Equal((400, "wrong_board_size"), (wrongSize.Status, wrongSize.Code));
        var unknown = await Assert.ThrowsAsync<RequestRefusedException>(() => inference.Predict(new PredictRequest(null, 9, 7.5, null, null, null, "B", ModelVersion: new string('0', 64))));
        Assert.Equal((404, "unknown_model"), (unknown.Status, unknown.Code));
    }

    [Fact]
    public async Task HugeOrMalformedRequestsAreRefusedWithTheirCodesBeforeAnyWork()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 300);
        await SiloHosts.WaitReadyAsync(host.CreateClient());
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var inference = grains.GetGrain<IInferenceGrain>(0);
        async Task ExpectAsync(Func<Task> call, int status, string code)
        {
            var refused = await Assert.ThrowsAsync<RequestRefusedException>(call);
            Assert.Equal((status, code), (refused.Status, refused.Code));
        }
        var game = "(;GM[1]FF[4]SZ[9]KM[7.5];B[ee];W[cc];B[gg];W[cg])";
        var huge = "(;GM[1]SZ[9]C[" + new string('x', 300_000) + "];B[ee])";

        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 9, 7.5, null, null, [.. Enumerable.Repeat("pass", 1_001)], "W")), 400, "too_many_moves");
        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 0, null, null, null, null, null, Sgf: huge)), 413, "payload_too_large");
        await ExpectAsync(() => inference.Review(new GameReviewRequest(huge)), 413, "payload_too_large");
        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 0, null, null, null, null, null, Sgf: "(;GM[1]SZ[9];B[ee")), 400, "invalid_sgf");
        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 0, null, null, null, null, null, Sgf: game, MoveNumber: 5)), 400, "invalid_move_number");
        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 0, null, null, null, ["E5"], "W", Sgf: game)), 400, "ambiguous_position");
        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 19, null, null, null, null, null, Sgf: game)), 400, "wrong_board_size");
        await ExpectAsync(() => inference.Predict(new PredictRequest(null, 9, 7.5, null, new PositionSetup(["E5"], ["E5"]), null, "B")), 422, "occupied_point");
        await ExpectAsync(() => grains.GetGrain<Grains.Federated.ILocalTrainingGrain>(0).Train(
            new Contracts.Federated.LocalTrainingRequest([.. Enumerable.Repeat(game, 51)])), 413, "payload_too_large");
        await ExpectAsync(() => grains.GetGrain<Grains.Federated.ILocalTrainingGrain>(0).Train(
            new Contracts.Federated.LocalTrainingRequest([game], Steps: 10_000)), 400, "invalid_training_plan");

        // The SGF and move number name the position its moves name; the side to move follows the last move read.
        var fromSgf = await inference.Predict(new PredictRequest(null, 0, null, null, null, null, null, TopK: 3, Sgf: game, MoveNumber: 3));
        var spelled = await inference.Predict(new PredictRequest(null, 9, 7.5, null, null, ["E5", "C7", "G3"], "W", TopK: 3)); // SGF ee, cc, gg
        Assert.Equal(spelled.Alternatives, fromSgf.Alternatives);
        Assert.Equal(spelled.WinProbability, fromSgf.WinProbability);
    }
}
