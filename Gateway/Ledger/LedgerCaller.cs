using Microsoft.AspNetCore.Http;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Ledger;

namespace OrleansGoRelay.Gateway.Ledger;

/// <summary>
/// Who is calling a ledger route: the operator (bearer token; may do anything) or an API client (header
/// <c>X-Api-Key</c>; may move money only out of, and read only, the account its key is bound to).
/// </summary>
public sealed record LedgerCaller(bool IsOperator, string? AccountId)
{
    /// <summary>The header carrying an API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Whether this caller may read an account.</summary>
    public bool MayRead(string accountId) => IsOperator || AccountId == accountId;

    /// <summary>Resolves the caller, or the 401 problem to answer with.</summary>
    public static async Task<(LedgerCaller? Caller, IResult? Problem)> ResolveAsync(HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(operators);
        ArgumentNullException.ThrowIfNull(grains);
        var apiKey = context.Request.Headers[ApiKeyHeader].ToString();
        if (apiKey.Length > 0)
        {
            var account = apiKey.Length <= 256 ? await grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key).AccountOfApiKey(apiKey).ConfigureAwait(false) : null;
            return account is null
                ? (null, Problems.Create(StatusCodes.Status401Unauthorized, "invalid_api_key", "The API key is not known."))
                : (new LedgerCaller(false, account), null);
        }

        var problem = operators.Check(context);
        return problem is null ? (new LedgerCaller(true, null), null) : (null, problem);
    }
}
