using Microsoft.AspNetCore.Http;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Ledger;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Inference;
using OrleansGoRelay.Grains.Ledger;

namespace OrleansGoRelay.Gateway.Inference;

/// <summary>
/// What every paid call shares, over HTTP and MCP alike: the API key resolved to its ledger account, and the call's
/// price drawn from a payment channel before the work, given back if no answer comes, and drawn once per call id.
/// </summary>
public static class PaidCalls
{
    /// <summary>The header naming a call, so a retry is not charged twice.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>The header naming the channel a call draws on, where the call itself cannot (MCP tools may take it as an argument too).</summary>
    public const string ChannelIdHeader = "X-Channel-Id";

    /// <summary>The API key of the request (<c>Authorization: Bearer</c> or <c>X-Api-Key</c>), or empty.</summary>
    public static string ApiKey(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = context.Request.Headers[LedgerCaller.ApiKeyHeader].ToString();
        var authorization = context.Request.Headers.Authorization.ToString();
        return key.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..].Trim() : key;
    }

    /// <summary>The account of the caller's API key, or the 401 refusal.</summary>
    public static async Task<(string? Account, Refusal? Refusal)> AuthenticateAsync(HttpContext context, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var key = ApiKey(context);
        if (key.Length is 0 or > 256)
        {
            return (null, new Refusal(StatusCodes.Status401Unauthorized, "api_key_required",
                "Inference needs an API key bound to a ledger account (Authorization: Bearer <key> or X-Api-Key)."));
        }
        var account = await grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key).AccountOfApiKey(key);
        return account is null ? (null, new Refusal(StatusCodes.Status401Unauthorized, "invalid_api_key", "The API key is not known.")) : (account, null);
    }

    /// <summary>The call's id: the client's <c>X-Request-Id</c> when it sends one (its retries then draw once), else a fresh one.</summary>
    public static string CallId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Headers[RequestIdHeader].ToString() is { Length: > 0 and <= 128 } given ? given : Guid.NewGuid().ToString("N");
    }

    /// <summary>
    /// Draws one call's price from <paramref name="channelId"/>, runs <paramref name="answer"/>, and gives the price back
    /// when it fails: a call is never served unpaid, and one that was not answered is not paid for.
    /// </summary>
    /// <returns>The answer and what was drawn (0 for a retry of a call already drawn).</returns>
    public static async Task<(T Answer, long Charged)> RunAsync<T>(IGrainFactory grains, string account, string? channelId, string callId, Func<Task<T>> answer)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(answer);
        if (string.IsNullOrWhiteSpace(channelId))
        {
            throw RequestRefusedException.BadRequest("channel_required", $"Name the payment channel the call draws on (channelId, or the {ChannelIdHeader} header).");
        }
        var channel = grains.GetGrain<IPaymentChannelGrain>(channelId);
        var charged = await channel.Charge(account, callId);
        try
        {
            return (await answer(), charged);
        }
        catch when (charged > 0)
        {
            // Only this attempt's own draw goes back: a retry (charged 0) of a call answered before keeps that payment.
            await channel.Refund(callId);
            throw;
        }
    }
}
