using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>
/// Answers a position with the promoted (or the named) model: the position is checked, the prediction batched with
/// whatever else this silo is asking, and only legal moves are suggested. <c>crowdConsensus</c> is the mean
/// probability that the newest versions trained by the federation's rounds (up to three) give the suggested move:
/// near 1 when the crowd-trained models agree on it, near 0 when they would play elsewhere; 0 before any round.
/// </summary>
[GrainType("inference")]
[StatelessWorker]
[Reentrant] // the work is in the shared batching predictors; an activation only awaits them
public sealed class InferenceGrain(InferenceModels models) : Grain, IInferenceGrain
{
    public async Task<PredictAnswer> Predict(PredictRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var served = await models.GetAsync(request.ModelVersion);
        var query = Position(request, served);
        var planes = query.Planes();
        var prediction = await served.Predictor.PredictAsync(planes);
        var (moves, win) = query.Answer(prediction, request.TopK ?? 5);
        var best = moves[0];
        double consensus = 0;
        var crowd = await models.RecentFederatedAsync();
        var voters = crowd.Where(c => c.Model.BoardSize == served.Model.BoardSize).ToList();
        if (voters.Count > 0)
        {
            var votes = await Task.WhenAll(voters.Select(v => v.Predictor.PredictAsync(planes)));
            consensus = votes.Average(vote => query.ProbabilityOf(vote, best.Move));
        }
        return new PredictAnswer(best.Move, Math.Round(best.Probability, 6), [.. moves.Select(m => m with { Probability = Math.Round(m.Probability, 6) })],
            Math.Round(win, 6), Math.Round(consensus, 6), served.Version.ModelHash, 0);
    }

    public async Task<GameReview> Review(GameReviewRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = SgfInput.ParseGame(request.Sgf);
        var served = await models.GetAsync(request.ModelVersion);
        try
        {
            // A few hundred positions in 64-position batches: off the grain's turn, the silo keeps answering.
            return await Task.Run(() => GameReviewer.Review(served.Model, record, served.Version.ModelHash));
        }
        catch (PositionRefusedException e)
        {
            throw Refusal(e);
        }
    }

    public async IAsyncEnumerable<GameReviewUpdate> ReviewWithProgress(GameReviewRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = SgfInput.ParseGame(request.Sgf);
        var served = await models.GetAsync(request.ModelVersion);
        var updates = System.Threading.Channels.Channel.CreateUnbounded<GameReviewUpdate>();
        // The review runs off the grain's turn and reports through the channel; its last line is the review itself.
        var review = Task.Run(() =>
        {
            try
            {
                var done = GameReviewer.Review(served.Model, record, served.Version.ModelHash,
                    progress: (read, total) => updates.Writer.TryWrite(new GameReviewUpdate("progress", read, total)));
                updates.Writer.TryWrite(new GameReviewUpdate("review", done.Moves + 1, done.Moves + 1, done));
                updates.Writer.TryComplete();
            }
            catch (PositionRefusedException e)
            {
                updates.Writer.TryComplete(Refusal(e));
            }
            catch (Exception e)
            {
                // Handed to the reader, which rethrows it to the caller.
                updates.Writer.TryComplete(e);
            }
        });
        await foreach (var update in updates.Reader.ReadAllAsync())
        {
            yield return update;
        }
        await review;
    }

    public async Task<PlayerStyleAnswer> Style(PlayerStyleRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var games = request.Games.Select((g, i) => new PlayerGame(SgfInput.ParseGame(g.Sgf, $"games[{i}].sgf"), g.MoveSeconds)).ToList();
        var served = await models.GetAsync(request.ModelVersion);
        // Every game's positions through the model: off the grain's turn.
        var style = await Task.Run(() => PlayerStyles.Profile(request.PlayerId, games, served.Model));
        return new PlayerStyleAnswer(request.PlayerId, style.Games, games.Count, style, PlayerStyle.Definitions, served.Version.ModelHash);
    }

    public async Task<TerritoryEstimate> EstimateTerritory(PredictRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var served = await models.GetAsync(request.ModelVersion);
        var query = Position(request, served);
        var prediction = await served.Predictor.PredictAsync(query.Planes());
        var (_, win) = query.Answer(prediction, 1);
        var map = TerritoryMap.Of(query.Board, request.Komi ?? 7.5);
        return new TerritoryEstimate(query.Board.Size, map.Rows, map.BlackPoints, map.WhitePoints, map.Undecided, map.BlackMargin, Math.Round(win, 6),
            "influence (stones radiate over three points; owned at |ownership| >= 1/2) with the value head's win probability", served.Version.ModelHash, 0);
    }

    /// <summary>The checked position, or the refusal with the API's status for its code.</summary>
    private static PositionQuery Position(PredictRequest request, InferenceModels.Served served)
    {
        try
        {
            return PositionQuery.From(SgfInput.ResolvePosition(request), served.Model.BoardSize);
        }
        catch (PositionRefusedException e)
        {
            throw Refusal(e);
        }
    }

    /// <summary>A malformed request is a 400; a well-formed position that cannot occur (occupied point, illegal move) a 422.</summary>
    private static RequestRefusedException Refusal(PositionRefusedException e) =>
        e.Code is "invalid_vertex" or "invalid_to_play" or "too_many_moves" or "wrong_board_size"
            ? RequestRefusedException.BadRequest(e.Code, e.Message)
            : RequestRefusedException.Unprocessable(e.Code, e.Message);
}
