using System.ComponentModel;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Gateway.Inference;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Inference;

namespace OrleansGoRelay.Gateway.ModelContext;

/// <summary>
/// The MCP tools (<c>/mcp</c>, and <c>gorelay mcp</c> over stdio, which forwards here). Each call is paid like
/// <c>POST /api/v1/inference/predict</c>: one call's price drawn from the payment channel named by the <c>channelId</c>
/// argument or the <c>X-Channel-Id</c> header, given back if the tool fails. A failure is a tool error whose text starts
/// with the API's problem code and status (<c>invalid_vertex (400): ...</c>), so a model can correct its call.
/// </summary>
[McpServerToolType]
public sealed class GoRelayMcpTools(IHttpContextAccessor http, IGrainFactory grains)
{
    private const string ChannelDescription = "The payment channel the call draws on (default: the X-Channel-Id header of the connection).";

    /// <summary>predict_move.</summary>
    [McpServerTool(Name = "predict_move", Title = "Predict a move", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The crowd-trained model's move for a Go position: the best legal move, its confidence, the top-k legal alternatives, the side to move's win probability, and crowdConsensus (how strongly the recent federation-trained versions agree). Give the position either as size/toPlay/moves (GTP vertices such as D4, or pass) with optional setup stones, or as an SGF and a move number.")]
    public Task<PredictAnswer> PredictMove(
        [Description("Board size (the model's: 9 for the tiny test model, 19 for the shipped one). Taken from the SGF when one is given.")] int? size = null,
        [Description("B or W: who moves now (with an SGF: default the side after the last move read).")] string? toPlay = null,
        [Description("Moves since the setup as GTP vertices, colours alternating so that toPlay moves next.")] string[]? moves = null,
        [Description("Black setup stones (handicap or a problem), GTP vertices.")] string[]? blackStones = null,
        [Description("White setup stones, GTP vertices.")] string[]? whiteStones = null,
        [Description("Komi (default 7.5).")] double? komi = null,
        [Description("chinese, japanese or tromp-taylor (default chinese).")] string? rules = null,
        [Description("A game record to read the position from, instead of moves and setup.")] string? sgf = null,
        [Description("With sgf: the position after this many moves (default: all).")] int? moveNumber = null,
        [Description("Alternatives to list, 1 to 20 (default 5).")] int? topK = null,
        [Description("A registry version's hash (default: the promoted version).")] string? modelVersion = null,
        [Description(ChannelDescription)] string? channelId = null) =>
        PaidAsync(channelId, async () =>
        {
            var request = Position(size, toPlay, moves, blackStones, whiteStones, komi, rules, sgf, moveNumber, topK, modelVersion);
            return await grains.GetGrain<IInferenceGrain>(0).Predict(request);
        }, (answer, charged) => answer with { Charged = charged });

    /// <summary>estimate_territory.</summary>
    [McpServerTool(Name = "estimate_territory", Title = "Estimate territory", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Who owns which points of a Go position: an ownership map (rows from the top, B/W owned, b/w leaning, '.' undecided), the points each side holds, Black's margin after komi, and the value head's win probability for the side to move. The position is given as for predict_move.")]
    public Task<TerritoryEstimate> EstimateTerritory(
        [Description("Board size (the model's). Taken from the SGF when one is given.")] int? size = null,
        [Description("B or W: who moves now.")] string? toPlay = null,
        [Description("Moves since the setup as GTP vertices, colours alternating so that toPlay moves next.")] string[]? moves = null,
        [Description("Black setup stones, GTP vertices.")] string[]? blackStones = null,
        [Description("White setup stones, GTP vertices.")] string[]? whiteStones = null,
        [Description("Komi (default 7.5).")] double? komi = null,
        [Description("A game record to read the position from, instead of moves and setup.")] string? sgf = null,
        [Description("With sgf: the position after this many moves (default: all).")] int? moveNumber = null,
        [Description("A registry version's hash (default: the promoted version).")] string? modelVersion = null,
        [Description(ChannelDescription)] string? channelId = null) =>
        PaidAsync(channelId, async () =>
        {
            var request = Position(size, toPlay, moves, blackStones, whiteStones, komi, null, sgf, moveNumber, null, modelVersion);
            return await grains.GetGrain<IInferenceGrain>(0).EstimateTerritory(request);
        }, (answer, charged) => answer with { Charged = charged });

    /// <summary>review_game.</summary>
    [McpServerTool(Name = "review_game", Title = "Review a game", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Reviews a Go game record: the turning point and the largest mistakes (where the analyser's evaluation swung against the mover, classed blunder/mistake/inaccuracy), with the model's preferred move and its probability at each, how often each player agreed with the model, and the value head's win probability after every move.")]
    public Task<GameReview> ReviewGame(
        [Description("The game's SGF (one game; its main line is reviewed). At most 256 KiB.")] string sgf,
        [Description("A registry version's hash (default: the promoted version).")] string? modelVersion = null,
        [Description(ChannelDescription)] string? channelId = null) =>
        PaidAsync(channelId, () => grains.GetGrain<IInferenceGrain>(0).Review(new GameReviewRequest(sgf, modelVersion)),
            (answer, charged) => answer with { Charged = charged });

    /// <summary>train_local.</summary>
    [McpServerTool(Name = "train_local", Title = "Train on local games", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Trains a model version on your own games and returns the update a federated round would take (int8-quantised weight delta, base64, with its SHA-256 and norm) and the training metrics (loss, accuracy, loss on your positions before and after). The games are used for this call only; nothing is stored. Bounded: at most 50 games of the model's board size, 200 steps, batches of 64.")]
    public Task<LocalTrainingAnswer> TrainLocal(
        [Description("SGF records of the model's board size (one game each).")] string[] games,
        [Description("Optimiser steps (default and maximum set by the server, at most 200).")] int? steps = null,
        [Description("Positions per step (at most 64).")] int? batchSize = null,
        [Description("SGD learning rate.")] double? learningRate = null,
        [Description("The version to start from (default: the promoted version).")] string? modelVersion = null,
        [Description(ChannelDescription)] string? channelId = null) =>
        PaidAsync(channelId, () => grains.GetGrain<ILocalTrainingGrain>(0).Train(new LocalTrainingRequest(games, steps, batchSize, learningRate, modelVersion)),
            (answer, _) => answer);

    /// <summary>verify_model.</summary>
    [McpServerTool(Name = "verify_model", Title = "Verify a model version", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Verifies a federated model version against its parent and the round that made it: recomputes both versions' hashes from their weights, checks the lineage, every signature in the round's aggregation record, and the aggregate recomputed from that record against the new weights; then measures the improvement (top-1, loss) of new over old on held-out positions.")]
    public Task<ModelVerification> VerifyModel(
        [Description("The parent version's hash.")] string oldVersion,
        [Description("The version the round produced.")] string newVersion,
        [Description("The round whose aggregation record is checked.")] string roundId,
        [Description(ChannelDescription)] string? channelId = null) =>
        PaidAsync(channelId, () => grains.GetGrain<IModelVerifierGrain>(0).Verify(new ModelVerificationRequest(oldVersion, newVersion, roundId)),
            (answer, _) => answer);

    private static PredictRequest Position(
        int? size, string? toPlay, string[]? moves, string[]? black, string[]? white, double? komi, string? rules, string? sgf, int? moveNumber, int? topK, string? modelVersion) =>
        new(null, size ?? 0, komi, rules, black is null && white is null ? null : new PositionSetup(black, white), moves, toPlay, modelVersion, topK, sgf, moveNumber);

    /// <summary>Runs a tool as a paid call of the connection's account; failures become tool errors in the API's vocabulary.</summary>
    private async Task<T> PaidAsync<T>(string? channelId, Func<Task<T>> answer, Func<T, long, T> withCharge)
    {
        try
        {
            var context = http.HttpContext ?? throw new InvalidOperationException("An MCP tool ran outside an HTTP request.");
            var account = McpEndpoint.AccountOf(context);
            var channel = string.IsNullOrWhiteSpace(channelId) ? context.Request.Headers[PaidCalls.ChannelIdHeader].ToString() : channelId;
            var (result, charged) = await PaidCalls.RunAsync(grains, account, channel, PaidCalls.CallId(context), answer);
            return withCharge(result, charged);
        }
        catch (Exception e) when (e is not McpException)
        {
            throw McpEndpoint.ToolError(e);
        }
    }
}
