using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Stamps;

namespace OrleansGoRelay.Gateway.Federated;

/// <summary>The model registry: versions with their lineage and figures, the promoted one, and their files for relays.</summary>
public static class ModelsApi
{
    /// <summary>Maps the registry's reads under <c>/api/v1/models</c>.</summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder routes)
    {
        var models = routes.MapGroup("/api/v1/models").WithTags("Models");
        models.MapGet("/", async (int? limit, IGrainFactory grains) => TypedResults.Ok(await Registry(grains).Versions(limit ?? 100)))
            .WithSummary("Registry versions, newest first.");
        models.MapGet("/current", async (IGrainFactory grains) => TypedResults.Ok(await Registry(grains).Current()))
            .WithSummary("The promoted version.");
        models.MapGet("/{modelHash}", async (string modelHash, IGrainFactory grains) =>
            {
                var version = await Registry(grains).Version(modelHash);
                var submission = await grains.GetGrain<IStampMarketGrain>(IStampMarketGrain.Key).GetModel(modelHash);
                return version is null && submission is null
                    ? Problems.Create(StatusCodes.Status404NotFound, "unknown_model", $"There is no model '{modelHash}'.")
                    : Results.Ok(new { version, submission });
            })
            .WithSummary("One model: its registry version and its submission to the stamp market (contributors, subsidy), either of which may be absent.");
        models.MapGet("/{modelHash}/onnx", async (string modelHash, IGrainFactory grains) =>
                await Registry(grains).Onnx(modelHash) is { } onnx
                    ? Results.File(onnx, "application/octet-stream", $"{modelHash[..Math.Min(16, modelHash.Length)]}.onnx")
                    : Problems.Create(StatusCodes.Status404NotFound, "unknown_model", $"There is no model version '{modelHash}'."))
            .WithSummary("The version's ONNX file.");
        models.MapGet("/{modelHash}/weights", async (string modelHash, IGrainFactory grains) =>
                await Registry(grains).Weights(modelHash) is { } weights
                    ? Results.File(weights, "application/octet-stream")
                    : Problems.Create(StatusCodes.Status404NotFound, "unknown_model", $"There is no model version '{modelHash}'."))
            .WithSummary("The version's weights (float32 little-endian, in the net's parameter order), what relay trainers start from.");
        return routes;
    }

    private static IModelRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
}
