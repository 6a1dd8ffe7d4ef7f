using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Inference;

namespace OrleansGoRelay.Gateway.Inference;

/// <summary>
/// Paid inference (API.md, "Inference"): API clients open a payment channel on their account, each prediction draws
/// one call's price from it (a retried call, same <c>X-Request-Id</c>, is not drawn again; a call refused for its
/// position is given back), and closing settles and returns the rest. The API key comes as <c>Authorization: Bearer</c>
/// or <c>X-Api-Key</c>.
/// </summary>
public static class InferenceApi
{
    /// <summary>Maps <c>/api/v1/channels</c> and <c>/api/v1/inference/predict</c>.</summary>
    public static IEndpointRouteBuilder MapInferenceApi(this IEndpointRouteBuilder routes)
    {
        var channels = routes.MapGroup("/api/v1/channels").WithTags("Inference");
        channels.MapPost("/", Open).WithSummary("(API key) Opens a payment channel: the deposit is locked in a pending transfer from the key's account.");
        channels.MapGet("/{channelId}", Describe).WithSummary("(API key) The channel: deposit, price, drawn, settled, available.");
        channels.MapPost("/{channelId}/close", Close).WithSummary("(API key) Settles what the calls drew and returns the rest of the deposit.");
        routes.MapPost("/api/v1/inference/predict", Predict).WithTags("Inference")
            .WithSummary("(API key) The promoted model's suggestion for a position, paid from a channel; 402 channel_exhausted when it cannot pay.");
        return routes;
    }

    private static async Task<IResult> Open(ChannelOpenRequest request, HttpContext context, IGrainFactory grains)
    {
        var (account, problem) = await ClientAsync(context, grains);
        if (account is null)
        {
            return problem!;
        }
        var channelId = "ch-" + Guid.NewGuid().ToString("N")[..16];
        var view = await grains.GetGrain<IPaymentChannelGrain>(channelId).Open(account, request);
        return TypedResults.Created($"/api/v1/channels/{channelId}", view);
    }

    private static async Task<IResult> Describe(string channelId, HttpContext context, IGrainFactory grains)
    {
        var (account, problem) = await ClientAsync(context, grains);
        if (account is null)
        {
            return problem!;
        }
        var view = await grains.GetGrain<IPaymentChannelGrain>(channelId).Describe();
        return view is null || view.AccountId != account
            ? Problems.Create(StatusCodes.Status404NotFound, "unknown_channel", $"There is no channel '{channelId}' of this account.")
            : TypedResults.Ok(view);
    }

    private static async Task<IResult> Close(string channelId, HttpContext context, IGrainFactory grains)
    {
        var (account, problem) = await ClientAsync(context, grains);
        return account is null ? problem! : TypedResults.Ok(await grains.GetGrain<IPaymentChannelGrain>(channelId).Close(account));
    }

    private static async Task<IResult> Predict(PredictRequest request, HttpContext context, IGrainFactory grains)
    {
        var (account, problem) = await ClientAsync(context, grains);
        if (account is null)
        {
            return problem!;
        }
        var (answer, charged) = await PaidCalls.RunAsync(grains, account, request.ChannelId, PaidCalls.CallId(context),
            () => grains.GetGrain<IInferenceGrain>(0).Predict(request));
        return TypedResults.Ok(answer with { Charged = charged });
    }

    /// <summary>The account of the caller's API key, or the 401 problem.</summary>
    private static async Task<(string? Account, IResult? Problem)> ClientAsync(HttpContext context, IGrainFactory grains)
    {
        var (account, refusal) = await PaidCalls.AuthenticateAsync(context, grains);
        return refusal is { } r ? (null, Problems.Create(r.Status, r.Code, r.Detail)) : (account, null);
    }
}
