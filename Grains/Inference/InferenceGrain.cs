using OrleansGoRelay.Contracts.Inference;
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
        PositionQuery query;
        try
        {
            query = PositionQuery.From(request, served.Model.BoardSize);
        }
        catch (PositionRefusedException e)
        {
            throw e.Code is "invalid_vertex" or "invalid_to_play" or "too_many_moves" or "wrong_board_size"
                ? RequestRefusedException.BadRequest(e.Code, e.Message)
                : RequestRefusedException.Unprocessable(e.Code, e.Message);
        }
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
}
