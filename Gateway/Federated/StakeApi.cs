using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Relays;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Gateway.Federated;

/// <summary>
/// A relay's federated-learning stake: tokens it moves from its wallet into its own escrow account
/// <c>stake:{relayId}</c> (a ledger transfer, idempotent by request id) and back. Round sampling reads the escrow's
/// balance, so a stake is what the ledger says, never what a relay declares; a relay in an open round cannot unstake.
/// </summary>
public static class StakeApi
{
    /// <summary>Maps <c>/api/v1/relays/{relayId}/stake</c>.</summary>
    public static IEndpointRouteBuilder MapStakeApi(this IEndpointRouteBuilder routes)
    {
        var stake = routes.MapGroup("/api/v1/relays/{relayId}/stake").WithTags("Federated rounds");
        stake.MapGet("/", async (string relayId, IGrainFactory grains) => TypedResults.Ok(await ViewAsync(relayId, Ledger(grains))))
            .WithSummary("The relay's stake and wallet balance.");
        stake.MapPost("/", Stake).Accepts<StakeRequest>("application/json")
            .WithSummary("(relay-signed) Moves amount base units from the relay's wallet into its stake (negative: back to the wallet).");
        return routes;
    }

    private static IMarketplaceGrain Ledger(IGrainFactory grains) => grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);

    private static async Task<StakeView> ViewAsync(string relayId, IMarketplaceGrain ledger) => new(relayId,
        (await ledger.GetAccount(SystemAccounts.Stake(relayId)))?.Balance ?? 0, (await ledger.GetAccount(SystemAccounts.Relay(relayId)))?.Balance ?? 0);

    private static async Task<IResult> Stake(string relayId, HttpContext context, RelayAuthentication authentication, IGrainFactory grains)
    {
        var (request, problem) = await authentication.VerifyAsync<StakeRequest>(context);
        if (request is null)
        {
            return problem!;
        }
        if (request.RelayId != relayId)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "relay_id_mismatch", "A relay stakes only for itself.");
        }
        var (amount, requestId) = (request.Body.Amount, request.Body.RequestId);
        if (amount == 0 || string.IsNullOrWhiteSpace(requestId) || requestId.Length > 64)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_stake", "amount is a non-zero number of base units and requestId 1 to 64 characters.");
        }
        if (amount < 0 && await grains.GetGrain<IRoundSchedulerGrain>(ISingletonGrain.Key).OpenRound() is { } open && open.Participants.Contains(relayId))
        {
            return Problems.Create(StatusCodes.Status409Conflict, "in_round", $"Relay '{relayId}' takes part in round '{open.RoundId}'; it can unstake after the round.");
        }
        var ledger = Ledger(grains);
        var escrow = SystemAccounts.Stake(relayId);
        await ledger.CreateAccount(new AccountSpec(escrow, AccountKind.DepositEscrow, BalanceRules.DebitsMustNotExceedCredits));
        var wallet = SystemAccounts.Relay(relayId);
        var transfer = amount > 0
            ? new TransferRequest($"stake:{relayId}:{requestId}", wallet, escrow, amount, TransferCodes.StakeLock, Reference: relayId)
            : new TransferRequest($"stake:{relayId}:{requestId}", escrow, wallet, -amount, TransferCodes.StakeRelease, Reference: relayId);
        var outcome = (await ledger.SubmitTransfers([transfer]))[0];
        return outcome.Applied
            ? TypedResults.Ok(await ViewAsync(relayId, ledger))
            : Problems.Create(outcome.Result == TransferResult.ExistsWithDifferentFields ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity,
                LedgerNames.Of(outcome.Result), $"The stake transfer was refused: {LedgerNames.Of(outcome.Result)}.");
    }
}
