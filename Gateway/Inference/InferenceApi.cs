using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Ledger;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Grains.Ledger;

namespace OrleansGoRelay.Gateway.Inference;

/// <summary>
/// Paid inference (API.md, "Inference"): API clients open a payment channel on their account, each prediction draws
/// one call's price from it (a retried call, same <c>X-Request-Id</c>, is not drawn again; a call refused for its
/// position is given back), and closing settles and returns the rest. The API key comes as <c>Authorization: Bearer</c>
/// or <c>X-Api-Key</c>.
/// </summary>
public static class InferenceApi
{
    /// <summary>The header naming a call, so a retry is not charged twice.</summary>
    public const string RequestIdHeader = "X-Request-Id";

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
        if (string.IsNullOrWhiteSpace(request.ChannelId))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "channel_required", "Name the payment channel the call draws on (channelId).");
        }
        var callId = context.Request.Headers[RequestIdHeader].ToString() is { Length: > 0 and <= 128 } given ? given : Guid.NewGuid().ToString("N");
        var channel = grains.GetGrain<IPaymentChannelGrain>(request.ChannelId);
        var charged = await channel.Charge(account, callId);
        try
        {
            var answer = await grains.GetGrain<IInferenceGrain>(0).Predict(request);
            return TypedResults.Ok(answer with { Charged = charged });
        }
        catch (RequestRefusedException)
        {
            // A call refused for its position was not answered: it is not paid for.
            await channel.Refund(callId);
            throw;
        }
    }

    /// <summary>The account of the caller's API key, or the 401 problem.</summary>
    private static async Task<(string? Account, IResult? Problem)> ClientAsync(HttpContext context, IGrainFactory grains)
    {
        var key = context.Request.Headers[LedgerCaller.ApiKeyHeader].ToString();
        var authorization = context.Request.Headers.Authorization.ToString();
        if (key.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = authorization["Bearer ".Length..].Trim();
        }
        if (key.Length is 0 or > 256)
        {
            return (null, Problems.Create(StatusCodes.Status401Unauthorized, "api_key_required", "Inference needs an API key bound to a ledger account (Authorization: Bearer <key> or X-Api-Key)."));
        }
        var account = await grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key).AccountOfApiKey(key);
        return account is null ? (null, Problems.Create(StatusCodes.Status401Unauthorized, "invalid_api_key", "The API key is not known.")) : (account, null);
    }
}
