using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Gateway.Relays;

/// <summary>
/// <c>GET /api/v1/relays/{relayId}/economics</c>: the relay profitability tracker and the batch optimiser, read from
/// the ledger (the design's tracker, without gas). Readable by the operator (bearer token) or by the relay itself
/// (a signed GET); the optimiser weighs the pending consensus games the caller reports in the query.
/// </summary>
public static class RelayEconomicsApi
{
    /// <summary>The most a caller may bound the optimiser's wait by.</summary>
    public static readonly TimeSpan MaxWaitBound = TimeSpan.FromDays(1);

    /// <summary>The most pending games a caller may report (a stamp batch names at most as many).</summary>
    public const int MaxPendingGames = 10_000;

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapRelayEconomicsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/relays/{relayId}/economics", Economics).WithTags("Relays")
            .WithSummary("(operator or the relay, signed) What the relay earned against what it staked and deposited: totals per category, a series by bucket "
                + "(bucket=minute|hour|day, buckets=1..1000, default the last 48 hours), net, ROI, and the batch optimiser's advice for pending=N consensus games "
                + "not yet stamped, the oldest waiting waitedSeconds, bounded by maxWaitSeconds (default 120).");
        // The dashboard's copy: the page's operator cookie is scoped to /dashboard, so the page reads the same answer there.
        routes.MapGet(DashboardPath, Compute).WithTags("Dashboard").AddEndpointFilter<RequireOperatorFilter>()
            .WithSummary("(operator) The same answer as /api/v1/relays/{relayId}/economics, for the dashboard page.");
        return routes;
    }

    /// <summary>The dashboard's route to the same answer.</summary>
    public const string DashboardPath = "/dashboard/api/relays/{relayId}/economics";

    private static async Task<Results<Ok<RelayEconomics>, ProblemHttpResult>> Economics(
        string relayId, string? bucket, int? buckets, int? pending, long? waitedSeconds, long? maxWaitSeconds,
        HttpContext context, OperatorAuthorization operators, RelayAuthentication relays, IGrainFactory grains, TimeProvider clock)
    {
        if (await DeniedAsync(relayId, context, operators, relays) is { } denied)
        {
            return denied;
        }
        return await Compute(relayId, bucket, buckets, pending, waitedSeconds, maxWaitSeconds, grains, clock);
    }

    private static async Task<Results<Ok<RelayEconomics>, ProblemHttpResult>> Compute(
        string relayId, string? bucket, int? buckets, int? pending, long? waitedSeconds, long? maxWaitSeconds, IGrainFactory grains, TimeProvider clock)
    {
        if (!TryBucket(bucket, out var width))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_bucket", "bucket is minute, hour or day.");
        }
        if (buckets is < 1 or > RelayEconomicsCalculator.MaxBuckets)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_buckets", $"buckets is 1 to {RelayEconomicsCalculator.MaxBuckets}.");
        }
        var maxWait = TimeSpan.FromSeconds(maxWaitSeconds ?? (long)StampBatchOptimiser.DefaultMaxWait.TotalSeconds);
        if (pending is < 0 or > MaxPendingGames || waitedSeconds < 0 || maxWaitSeconds < 0 || maxWait > MaxWaitBound || waitedSeconds > (long)MaxWaitBound.TotalSeconds * 365)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_pending",
                $"pending is 0 to {MaxPendingGames} games, waitedSeconds is not negative and maxWaitSeconds is 0 to {MaxWaitBound.TotalSeconds:0}.");
        }
        if (await grains.GetGrain<IRelayNodeGrain>(relayId).GetRelay() is null)
        {
            return RelaysApi.UnknownRelay(relayId);
        }

        var ledger = grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        var accountIds = RelayEconomicsCalculator.AccountsOf(relayId).Select(a => a.AccountId).ToList();
        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        foreach (var accountId in accountIds)
        {
            if (await ledger.GetAccount(accountId) is { } account)
            {
                accounts[accountId] = account;
            }
        }
        var transfers = await ledger.TransfersOf(accountIds);
        var stamps = transfers.Where(t => t.Code == TransferCodes.StampDeposit && t.Reference is not null).Select(t => t.Reference!).Distinct(StringComparer.Ordinal).ToList();
        var burns = stamps.Count == 0 ? [] : await ledger.TransfersReferencing(stamps, TransferCodes.StampBurn);
        var economics = RelayEconomicsCalculator.Compute(
            new RelayLedgerActivity(relayId, accounts, transfers, burns),
            new EconomicsWindow(width, buckets ?? 48, clock.GetUtcNow()),
            StampBatchRules.Of(StampRules.Deposit),
            new PendingStamps(pending ?? 0, TimeSpan.FromSeconds(waitedSeconds ?? 0), maxWait));
        return TypedResults.Ok(economics);
    }

    /// <summary>Null when the caller is the operator or the relay itself (signed), otherwise the problem to answer with.</summary>
    private static async Task<ProblemHttpResult?> DeniedAsync(string relayId, HttpContext context, OperatorAuthorization operators, RelayAuthentication relays)
    {
        if (context.Request.Headers.ContainsKey(RelaySignature.RelayIdHeader))
        {
            var (signer, problem) = await relays.VerifyAsync(context);
            if (problem is not null)
            {
                return (ProblemHttpResult)problem;
            }
            return signer == relayId ? null : Problems.Create(StatusCodes.Status403Forbidden, "relay_id_mismatch", "A relay reads only its own economics.");
        }
        return (ProblemHttpResult?)operators.Check(context);
    }

    private static bool TryBucket(string? name, out EconomicsBucket bucket)
    {
        bucket = EconomicsBucket.Hour;
        return string.IsNullOrEmpty(name) || LedgerNames.TryParse(name, out bucket);
    }
}
