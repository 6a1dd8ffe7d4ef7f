using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Ledger;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Gateway.Marketplace;

/// <summary>The relay subsidy pool: funding it, and its balance and rates.</summary>
public static class SubsidyPoolApi
{
    /// <summary>A funding: from which account, how much (base units), and an id that makes a retry safe.</summary>
    public sealed record FundBody(string? FromAccountId, decimal Amount, string? FundingId);

    /// <summary>Maps <c>/api/v1/subsidy-pool</c>.</summary>
    public static IEndpointRouteBuilder MapSubsidyPoolApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/subsidy-pool").WithTags("Marketplace");
        group.MapPost("/fund", Fund).WithSummary("Moves tokens into the subsidy pool (operator, or the paying account's API key); idempotent by fundingId.");
        group.MapGet("/", Get).WithSummary("The pool's balance and what each subsidy pays.");
        return routes;
    }

    private static async Task<IResult> Fund(FundBody body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        var (caller, denied) = await LedgerCaller.ResolveAsync(context, operators, grains);
        if (caller is null)
        {
            return denied!;
        }

        var from = body.FromAccountId ?? "";
        if (!caller.MayRead(from))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "account_not_owned", $"This API key is not bound to account '{from}'.");
        }

        if (!LedgerApi.TryBaseUnits(body.Amount, out var amount) || amount == 0)
        {
            return LedgerApi.AmountProblem(body.Amount);
        }

        var outcome = await grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key)
            .FundSubsidyPool(body.FundingId ?? Guid.NewGuid().ToString("N"), from, amount);
        return LedgerApi.Answer(outcome);
    }

    private static async Task<IResult> Get(IGrainFactory grains)
    {
        var pool = await grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key).GetAccount(SystemAccounts.SubsidyPool);
        return TypedResults.Ok(new
        {
            accountId = SystemAccounts.SubsidyPool,
            balance = pool?.Balance ?? 0,
            funded = pool?.CreditsPosted ?? 0,
            paid = pool?.DebitsPosted ?? 0,
            rates = Enum.GetValues<SubsidyReason>().ToDictionary(r => LedgerNames.NameOf(r), SubsidyRules.Amount),
            highQualityBatchStamps = SubsidyRules.HighQualityBatchStamps,
        });
    }
}
