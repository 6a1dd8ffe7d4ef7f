using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Gateway.Ledger;

/// <summary>The ledger routes: accounts, API keys, transfers (single, linked batches, pending post/void, reversal) and verification.</summary>
public static class LedgerApi
{
    /// <summary>The most transfers one batch request may carry.</summary>
    public const int MaxBatch = 8190;

    /// <summary>Maps <c>/api/v1/accounts</c>, <c>/api/v1/transfers</c> and <c>/api/v1/ledger</c>.</summary>
    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder routes)
    {
        var accounts = routes.MapGroup("/api/v1/accounts").WithTags("Ledger");
        accounts.MapPost("/", CreateAccount).WithSummary("Creates an account (operator); an identical repeat answers 200, another body 409.");
        accounts.MapGet("/{accountId}", GetAccount).WithSummary("An account and its balances (operator, or the account's API key).");
        accounts.MapPost("/{accountId}/api-keys", CreateApiKey).WithSummary("Creates an API key bound to the account (operator). The key is shown once.");

        var transfers = routes.MapGroup("/api/v1/transfers").WithTags("Ledger");
        transfers.MapPost("/", CreateTransfer).WithSummary("Creates a transfer; idempotent by transferId, outcome fixed forever.");
        transfers.MapPost("/batch", CreateBatch).WithSummary("Creates a linked batch: all or nothing, with per-item statuses.");
        transfers.MapPost("/{transferId}/post", (string transferId, ResolveBody? body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
            => Resolve(transferId, TransferKind.Post, body, context, operators, grains)).WithSummary("Posts a pending transfer, fully or partly (at most once).");
        transfers.MapPost("/{transferId}/void", (string transferId, ResolveBody? body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
            => Resolve(transferId, TransferKind.Void, body, context, operators, grains)).WithSummary("Voids a pending transfer (at most once).");
        transfers.MapPost("/{transferId}/reverse", Reverse).WithSummary("Reverses an applied transfer with a mirrored transfer (at most once): the only correction.");
        transfers.MapGet("/{transferId}", GetTransfer).WithSummary("A transfer, or the recorded refusal of its id.");

        routes.MapGet("/api/v1/ledger/verify", Verify).WithTags("Ledger")
            .WithSummary("Recomputes the hash chain and every balance from the transfers; the sum of balances must be 0.");
        return routes;
    }

    /// <summary>An account to create. <c>flags</c> holds rule names such as <c>debits_must_not_exceed_credits</c>.</summary>
    public sealed record AccountBody(string? AccountId, string? Kind, string[]? Flags, string? Currency);

    /// <summary>An account as the API shows it.</summary>
    public sealed record AccountView(string AccountId, string Kind, string[] Flags, string Currency, long DebitsPosted, long CreditsPosted,
        long DebitsPending, long CreditsPending, long Balance, DateTimeOffset CreatedAt);

    /// <summary>A transfer request. <c>amount</c> is an integer number of base units.</summary>
    public sealed record TransferBody(string? TransferId, string? DebitAccountId, string? CreditAccountId, decimal Amount, int Code,
        bool Pending, int TimeoutSeconds, string? Currency, string? Reference);

    /// <summary>A post or void: its own transfer id (default <c>{pending id}:post</c> / <c>:void</c>) and, for a partial post, the amount.</summary>
    public sealed record ResolveBody(string? TransferId, decimal? Amount);

    /// <summary>A reversal's own transfer id (default <c>{id}:reverse</c>).</summary>
    public sealed record ReverseBody(string? TransferId);

    /// <summary>An applied transfer as the API shows it.</summary>
    public sealed record TransferView(long Sequence, string TransferId, string Kind, string DebitAccountId, string CreditAccountId, long Amount,
        string Currency, int Code, string? PendingId, string? ReversesId, string? Reference, int TimeoutSeconds, DateTimeOffset? ExpiresAt,
        DateTimeOffset CreatedAt, string Hash, string PreviousHash);

    /// <summary>The outcome of one transfer request.</summary>
    public sealed record TransferStatus(string TransferId, string Status, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TransferView? Transfer);

    /// <summary>The outcome of a batch.</summary>
    public sealed record BatchStatus(TransferStatus[] Results);

    private static IMarketplaceGrain Ledger(IGrainFactory grains) => grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);

    private static async Task<IResult> CreateAccount(AccountBody body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        if (operators.Check(context) is { } denied)
        {
            return denied;
        }

        if (!LedgerNames.TryParse<AccountKind>(body.Kind, out var kind))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_kind",
                $"kind must be one of {string.Join(", ", Enum.GetValues<AccountKind>().Select(k => LedgerNames.Of(k)))}.");
        }

        var rules = BalanceRules.None;
        foreach (var name in body.Flags ?? [])
        {
            if (!LedgerNames.TryParse<BalanceRules>(name, out var rule) || rule == BalanceRules.None)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "invalid_flags", $"'{name}' is not debits_must_not_exceed_credits or credits_must_not_exceed_debits.");
            }

            rules |= rule;
        }

        var result = await Ledger(grains).CreateAccount(new AccountSpec(body.AccountId ?? "", kind, rules, body.Currency ?? Mcp.Currency));
        var view = View(result.Account);
        return result.Status switch
        {
            CreateAccountStatus.Created => TypedResults.Created($"/api/v1/accounts/{view.AccountId}", view),
            CreateAccountStatus.Exists => TypedResults.Ok(view),
            _ => Problems.Create(StatusCodes.Status409Conflict, "exists_with_different_fields", $"Account '{view.AccountId}' exists with other fields."),
        };
    }

    private static async Task<IResult> GetAccount(string accountId, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        var (caller, denied) = await LedgerCaller.ResolveAsync(context, operators, grains);
        if (caller is null || !caller.MayRead(accountId))
        {
            return denied ?? Forbidden(accountId);
        }

        return await Ledger(grains).GetAccount(accountId) is { } account
            ? TypedResults.Ok(View(account))
            : Problems.Create(StatusCodes.Status404NotFound, "account_not_found", $"Account '{accountId}' does not exist.");
    }

    private static async Task<IResult> CreateApiKey(string accountId, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        if (operators.Check(context) is { } denied)
        {
            return denied;
        }

        return await Ledger(grains).CreateApiKey(accountId) is { } key
            ? TypedResults.Created($"/api/v1/accounts/{accountId}", new { accountId, apiKey = key })
            : Problems.Create(StatusCodes.Status404NotFound, "account_not_found", $"Account '{accountId}' does not exist.");
    }

    private static async Task<IResult> CreateTransfer(TransferBody body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        if (ToRequest(body) is not { } request)
        {
            return AmountProblem(body.Amount);
        }

        var outcomes = await SubmitAsCallerAsync([request], context, operators, grains);
        return outcomes.Result ?? Single(outcomes.Outcomes![0]);
    }

    private static async Task<IResult> CreateBatch(TransferBody[] body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        if (body.Length is 0 or > MaxBatch)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_batch_size", $"A batch holds 1 to {MaxBatch} transfers.");
        }

        var requests = new List<TransferRequest>(body.Length);
        foreach (var item in body)
        {
            if (ToRequest(item) is not { } request)
            {
                return AmountProblem(item.Amount);
            }

            requests.Add(request);
        }

        var submitted = await SubmitAsCallerAsync(requests, context, operators, grains);
        if (submitted.Result is { } result)
        {
            return result;
        }

        var outcomes = submitted.Outcomes!;
        var statuses = new BatchStatus([.. outcomes.Select(Status)]);
        if (outcomes.All(o => o.Applied))
        {
            return outcomes.Any(o => o.Result == TransferResult.Created)
                ? TypedResults.Created((string?)null, statuses)
                : TypedResults.Ok(statuses);
        }

        var failure = outcomes.First(o => !o.Applied && o.Result != TransferResult.LinkedEventFailed);
        return Refusal(failure, statuses.Results);
    }

    private static async Task<IResult> Resolve(string pendingId, TransferKind kind, ResolveBody? body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        // 0 (or none) means the full pending amount.
        if (!TryBaseUnits(body?.Amount ?? 0, out var amount))
        {
            return AmountProblem(body!.Amount!.Value);
        }

        var id = body?.TransferId ?? $"{pendingId}:{LedgerNames.Of(kind)}";
        var request = new TransferRequest(id, "", "", amount, 0, kind, pendingId);
        var submitted = await SubmitAsCallerAsync([request], context, operators, grains, pendingId);
        return submitted.Result ?? Single(submitted.Outcomes![0]);
    }

    private static async Task<IResult> Reverse(string transferId, ReverseBody? body, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        if (operators.Check(context) is { } denied)
        {
            return denied; // corrections are the operator's
        }

        var ledger = Ledger(grains);
        if (await ledger.GetTransfer(transferId) is not { Transfer: { } original })
        {
            return Problems.Create(StatusCodes.Status404NotFound, "transfer_not_found", $"No applied transfer '{transferId}'.");
        }

        var request = new TransferRequest(body?.TransferId ?? $"{transferId}:reverse", original.CreditAccountId, original.DebitAccountId,
            original.Amount, original.Code, Currency: original.Currency, Reference: original.Reference, ReversesId: transferId);
        return Single((await ledger.SubmitTransfers([request]))[0]);
    }

    private static async Task<IResult> GetTransfer(string transferId, HttpContext context, OperatorAuthorization operators, IGrainFactory grains)
    {
        var (caller, denied) = await LedgerCaller.ResolveAsync(context, operators, grains);
        if (caller is null)
        {
            return denied!;
        }

        var outcome = await Ledger(grains).GetTransfer(transferId);
        // An API key sees applied transfers touching its account; refusals and other accounts' transfers look unknown.
        var visible = caller.IsOperator || (outcome?.Transfer is { } t && (caller.MayRead(t.DebitAccountId) || caller.MayRead(t.CreditAccountId)));
        if (outcome is null || !visible)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "transfer_not_found", $"No transfer '{transferId}' is recorded.");
        }

        return TypedResults.Ok(Status(outcome));
    }

    private static async Task<IResult> Verify(IGrainFactory grains)
    {
        var v = await Ledger(grains).Verify();
        return TypedResults.Ok(new
        {
            transfers = v.Transfers,
            chainValid = v.ChainValid,
            balancesMatchEntries = v.BalancesMatchEntries,
            sumOfBalances = v.SumOfBalances,
            valid = v.Valid,
            firstBadSequence = v.FirstBadSequence,
            mismatchedAccounts = v.MismatchedAccounts,
        });
    }

    /// <summary>
    /// Submits as the caller: the operator may submit anything; an API key only transfers out of its own account
    /// (for a post or void, the pending transfer's debit account).
    /// </summary>
    private static async Task<(IResult? Result, IReadOnlyList<TransferOutcome>? Outcomes)> SubmitAsCallerAsync(
        IReadOnlyList<TransferRequest> requests, HttpContext context, OperatorAuthorization operators, IGrainFactory grains, string? pendingId = null)
    {
        var (caller, denied) = await LedgerCaller.ResolveAsync(context, operators, grains);
        if (caller is null)
        {
            return (denied, null);
        }

        var ledger = Ledger(grains);
        if (!caller.IsOperator)
        {
            var debit = pendingId is null ? null : (await ledger.GetTransfer(pendingId))?.Transfer?.DebitAccountId;
            var foreign = requests.FirstOrDefault(r => (pendingId is null ? r.DebitAccountId : debit) != caller.AccountId);
            if (foreign is not null)
            {
                return (Forbidden(foreign.DebitAccountId.Length > 0 ? foreign.DebitAccountId : pendingId!), null);
            }
        }

        return (null, await ledger.SubmitTransfers(requests));
    }

    /// <summary>
    /// A JSON amount as base units: a whole number from 0 to <see cref="long.MaxValue"/>. Amounts bind as decimal so
    /// that fractions and values past 64 bits get their own problem code instead of a generic binding failure;
    /// zero is left to the ledger's own rules (it means "full amount" for a post).
    /// </summary>
    public static bool TryBaseUnits(decimal amount, out long units)
    {
        var whole = amount == decimal.Truncate(amount) && amount is >= 0 and <= long.MaxValue;
        units = whole ? (long)amount : 0;
        return whole;
    }

    /// <summary>The problem for an amount <see cref="TryBaseUnits"/> refused, or for a zero amount where one is required.</summary>
    public static ProblemHttpResult AmountProblem(decimal amount) => amount <= 0
        ? Problems.Create(StatusCodes.Status400BadRequest, "amount_must_be_positive", "amount must be a positive integer number of base units.")
        : Problems.Create(StatusCodes.Status400BadRequest, "amount_out_of_range", $"amount must be an integer number of base units from 1 to {long.MaxValue}.");

    private static TransferRequest? ToRequest(TransferBody body)
    {
        if (!TryBaseUnits(body.Amount, out var amount))
        {
            return null;
        }

        return new TransferRequest(body.TransferId ?? "", body.DebitAccountId ?? "", body.CreditAccountId ?? "", amount, body.Code,
            body.Pending ? TransferKind.Pending : TransferKind.Immediate, TimeoutSeconds: body.TimeoutSeconds, Currency: body.Currency ?? Mcp.Currency,
            Reference: body.Reference);
    }

    /// <summary>The HTTP answer to one transfer outcome: 201 created, 200 exists, 409 another body, 422 a recorded refusal.</summary>
    public static IResult Answer(TransferOutcome outcome) => Single(outcome);

    private static IResult Single(TransferOutcome outcome) => outcome.Result switch
    {
        TransferResult.Created => TypedResults.Created($"/api/v1/transfers/{outcome.TransferId}", Status(outcome)),
        TransferResult.Exists => TypedResults.Ok(Status(outcome)),
        _ => Refusal(outcome, null),
    };

    private static ProblemHttpResult Refusal(TransferOutcome outcome, TransferStatus[]? results)
    {
        var code = LedgerNames.Of(outcome.Result);
        var status = outcome.Result == TransferResult.ExistsWithDifferentFields ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity;
        var detail = outcome.Result == TransferResult.ExistsWithDifferentFields
            ? $"Transfer '{outcome.TransferId}' was submitted before with a different body."
            : $"Transfer '{outcome.TransferId}' was refused: {code.Replace('_', ' ')}. This outcome is recorded for the id.";
        var extensions = new Dictionary<string, object?> { ["transferId"] = outcome.TransferId, ["transferStatus"] = code };
        if (results is not null)
        {
            extensions["results"] = results;
        }

        return Problems.Create(status, code, detail, extensions);
    }

    private static ProblemHttpResult Forbidden(string accountId) =>
        Problems.Create(StatusCodes.Status403Forbidden, "account_not_owned", $"This API key is not bound to account '{accountId}'.");

    private static TransferStatus Status(TransferOutcome outcome) =>
        new(outcome.TransferId, LedgerNames.Of(outcome.Result), outcome.Transfer is { } t ? View(t) : null);

    private static TransferView View(Transfer t) => new(t.Sequence, t.TransferId, LedgerNames.Of(t.Kind), t.DebitAccountId, t.CreditAccountId, t.Amount,
        t.Currency, t.Code, t.PendingId, t.ReversesId, t.Reference, t.TimeoutSeconds, t.ExpiresAt, t.CreatedAt,
        Convert.ToHexStringLower(t.Hash), Convert.ToHexStringLower(t.PreviousHash));

    private static AccountView View(Account a) => new(a.AccountId, LedgerNames.Of(a.Kind),
        [.. Enum.GetValues<BalanceRules>().Where(r => r != BalanceRules.None && a.Flags.HasFlag(r)).Select(r => LedgerNames.NameOf(r))],
        a.Currency, a.DebitsPosted, a.CreditsPosted, a.DebitsPending, a.CreditsPending, a.Balance, a.CreatedAt);
}
