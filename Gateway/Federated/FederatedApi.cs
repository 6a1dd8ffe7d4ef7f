using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Relays;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Federated;

namespace OrleansGoRelay.Gateway.Federated;

/// <summary>
/// Federated rounds (API.md, "Federated rounds"): the operator starts rounds; relays ask what a round wants of them and
/// answer each stage with a signed message, acknowledged only once it is in the round's log.
/// </summary>
public static class FederatedApi
{
    /// <summary>The relay's messages: route segment → log kind.</summary>
    private static readonly (string Segment, string Kind, string Summary)[] Stages =
    [
        ("ready", "ready", "(relay-signed) PeerReady: the relay has the model and the stamped games it will train on."),
        ("keys", "keys", "(relay-signed) Secure aggregation stage 0: the relay's public keys, signed by its identity key."),
        ("shares", "shares", "(relay-signed) Secure aggregation stage 1: the encrypted shares of its secrets."),
        ("masked", "masked", "(relay-signed) Secure aggregation stage 2: its masked update, signed."),
        ("unmask", "unmask", "(relay-signed) Secure aggregation stage 3: the shares that remove the masks."),
        ("updates", "update", "(relay-signed) GradientSubmission: a compressed, signed update (rounds without secure aggregation)."),
    ];

    /// <summary>Maps <c>/api/v1/fl/rounds</c>.</summary>
    public static IEndpointRouteBuilder MapFederatedApi(this IEndpointRouteBuilder routes)
    {
        var rounds = routes.MapGroup("/api/v1/fl/rounds").WithTags("Federated rounds");
        rounds.MapPost("/", StartRound).AddEndpointFilter<RequireOperatorFilter>()
            .WithSummary("(operator) Starts a round: samples the eligible relays by stake; answers the design's RoundStart.");
        rounds.MapGet("/", async (int? limit, IGrainFactory grains) => TypedResults.Ok(await Scheduler(grains).Rounds(limit ?? 50)))
            .WithSummary("Rounds, newest first.");
        rounds.MapGet("/open", async Task<Results<Ok<RoundStart>, NoContent>> (IGrainFactory grains) =>
                await Scheduler(grains).OpenRound() is { } open ? TypedResults.Ok(open) : TypedResults.NoContent())
            .WithSummary("The open round (204 when none): relays poll it to learn whether they were sampled.");
        rounds.MapGet("/{roundId}", async (string roundId, IGrainFactory grains) =>
                await grains.GetGrain<IFederatedRoundGrain>(roundId).View() is { } view
                    ? Results.Ok(view)
                    : Problems.Create(StatusCodes.Status404NotFound, "unknown_round", $"There is no round '{roundId}'."))
            .WithSummary("A round: stage, participants, submissions, result, ε spent.");
        rounds.MapGet("/{roundId}/task", Task)
            .WithSummary("(relay-signed) What the round asks of this relay now, with what it needs to answer.");
        rounds.MapGet("/{roundId}/model", async (string roundId, IGrainFactory grains) =>
                await grains.GetGrain<IFederatedRoundGrain>(roundId).Outcome() is { } outcome
                    ? Results.Ok(outcome)
                    : Problems.Create(StatusCodes.Status409Conflict, "round_not_finished", $"Round '{roundId}' has not finished (or does not exist)."))
            .WithSummary("The round's ModelUpdate once it finished.");
        foreach (var (segment, kind, summary) in Stages)
        {
            rounds.MapPost("/{roundId}/" + segment, (string roundId, HttpContext context, RelayAuthentication authentication, IGrainFactory grains) =>
                    ReceiveAsync(roundId, kind, context, authentication, grains))
                .Accepts<object>("application/json").WithSummary(summary);
        }
        return routes;
    }

    private static IRoundSchedulerGrain Scheduler(IGrainFactory grains) => grains.GetGrain<IRoundSchedulerGrain>(ISingletonGrain.Key);

    private static async Task<Created<RoundStart>> StartRound(RoundRequest request, IGrainFactory grains)
    {
        var start = await Scheduler(grains).StartRound(request);
        return TypedResults.Created($"/api/v1/fl/rounds/{start.RoundId}", start);
    }

    private static async Task<IResult> Task(string roundId, HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (relayId, problem) = await authentication.VerifyAsync(context);
        return relayId is null ? problem! : TypedResults.Ok(await grains.GetGrain<IFederatedRoundGrain>(roundId).TaskFor(relayId));
    }

    private static async Task<IResult> ReceiveAsync(string roundId, string kind, HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (relayId, body, problem) = await authentication.VerifyRawAsync(context, RelayAuthentication.MaxUpdateBytes);
        if (relayId is null)
        {
            return problem!;
        }
        if (body.Length == 0)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "malformed_json", "The body is empty.");
        }
        return TypedResults.Ok(await grains.GetGrain<IFederatedRoundGrain>(roundId).Receive(relayId, kind, body));
    }
}
