using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Relays;
using OrleansGoRelay.Grains.Stamps;

namespace OrleansGoRelay.Gateway.Marketplace;

/// <summary>Training stamps and models: relay-signed batches, burns and model submissions, and the listings.</summary>
public static class StampsApi
{
    /// <summary>A burn request.</summary>
    public sealed record BurnBody(string? RelayId, IReadOnlyList<string>? StampIds);

    /// <summary>Maps <c>/api/v1/stamps</c>, <c>/api/v1/models</c> and the relay stamp listings.</summary>
    public static IEndpointRouteBuilder MapStampsApi(this IEndpointRouteBuilder routes)
    {
        var stamps = routes.MapGroup("/api/v1/stamps").WithTags("Stamps");
        stamps.MapPost("/batch", SubmitBatch).Accepts<StampSubmission[]>("application/json")
            .WithSummary("(relay-signed) Stamps the consensus games of a batch; each stamp's deposit moves to escrow.");
        stamps.MapPost("/burn", Burn).Accepts<BurnBody>("application/json")
            .WithSummary("(relay-signed) Burns the relay's stamps older than 30 days; returns the deposit less 10 % per model use.");
        stamps.MapGet("/{stampId}", async (string stampId, IGrainFactory grains) =>
                await grains.GetGrain<ITrainingStampGrain>(stampId).GetStamp() is { } stamp
                    ? Results.Ok(stamp)
                    : Problems.Create(StatusCodes.Status404NotFound, "unknown_stamp", $"There is no stamp '{stampId}'."))
            .WithSummary("One stamp.");
        routes.MapGet("/api/v1/relays/{relayId}/stamps", (string relayId, int? page, int? pageSize, IGrainFactory grains) =>
                Market(grains).StampsOf(relayId, page ?? 1, pageSize ?? 100))
            .WithTags("Stamps").WithSummary("Stamps the relay may use, newest first.");
        routes.MapGet("/api/v1/relays/{relayId}/burnable-stamps", (string relayId, int? page, int? pageSize, IGrainFactory grains) =>
                Market(grains).BurnableStampsOf(relayId, page ?? 1, pageSize ?? 100))
            .WithTags("Stamps").WithSummary("The relay's own stamps old enough to burn, oldest first.");

        var models = routes.MapGroup("/api/v1/models").WithTags("Stamps"); // the reads are the registry's (ModelsApi)
        models.MapPost("/", SubmitModel).Accepts<ModelSubmission>("application/json")
            .WithSummary("(relay-signed) Records a model trained on stamps the relay may use, with every contributor; pays ModelImprovement when earned.");
        return routes;
    }

    private static IStampMarketGrain Market(IGrainFactory grains) => grains.GetGrain<IStampMarketGrain>(IStampMarketGrain.Key);

    private static async Task<IResult> SubmitBatch(HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (request, problem) = await authentication.VerifyAsync<StampSubmission[]>(context);
        return request is null ? problem! : TypedResults.Ok(await Market(grains).SubmitBatch(request.RelayId, request.Body));
    }

    private static async Task<IResult> Burn(HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (request, problem) = await authentication.VerifyAsync<BurnBody>(context);
        if (request is null)
        {
            return problem!;
        }
        if (request.Body.RelayId is { } relayId && relayId != request.RelayId)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "stamp_not_owned", $"Relay '{request.RelayId}' cannot burn for relay '{relayId}'.");
        }
        return TypedResults.Ok(await Market(grains).Burn(request.RelayId, request.Body.StampIds ?? []));
    }

    private static async Task<IResult> SubmitModel(HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (request, problem) = await authentication.VerifyAsync<ModelSubmission>(context);
        if (request is null)
        {
            return problem!;
        }
        var (model, created) = await Market(grains).SubmitModel(request.RelayId, request.Body);
        return created ? TypedResults.Created($"/api/v1/models/{model.ModelHash}", model) : TypedResults.Ok(model);
    }
}
