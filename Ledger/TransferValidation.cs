using System.Text.RegularExpressions;

namespace OrleansGoRelay.Ledger;

/// <summary>
/// Checks the shape of requests before they reach the ledger. A request that fails here never touches stored state
/// and its id stays free; refusals that depend on ledger state are recorded instead. The checks return a
/// <see cref="LedgerProblem"/> rather than throw: the grain layer turns it into the product's refusal (400 with the
/// problem's code).
/// </summary>
public static partial class TransferValidation
{
    /// <summary>Ids the ledger writes itself (expiries); clients cannot take them.</summary>
    public const string ReservedPrefix = "expire:";

    /// <summary>The longest transfer reference.</summary>
    public const int MaxReferenceLength = 256;

    /// <summary>The longest pending timeout (one year).</summary>
    public const int MaxTimeoutSeconds = 366 * 24 * 3600;

    /// <summary>Whether an account or transfer id is well formed.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Why an account spec is malformed, or null.</summary>
    public static LedgerProblem? Check(AccountSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!IsValidId(spec.AccountId))
        {
            return new("invalid_account_id", "accountId must be 1-128 characters of A-Z a-z 0-9 . _ : @ -.");
        }

        if (!Enum.IsDefined(spec.Kind))
        {
            return new("invalid_kind", "kind is not an account kind.");
        }

        if (spec.Flags is < BalanceRules.None or > BalanceRules.CreditsMustNotExceedDebits)
        {
            return new("invalid_flags", "flags may hold at most one of debits_must_not_exceed_credits and credits_must_not_exceed_debits.");
        }

        return CurrencyPattern().IsMatch(spec.Currency ?? "") ? null : new("invalid_currency", "currency must be 2-8 capital letters.");
    }

    /// <summary>Why a transfer request is malformed, or null.</summary>
    public static LedgerProblem? Check(TransferRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (!IsValidId(r.TransferId) || r.TransferId.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            return new("invalid_transfer_id", $"transferId must be 1-128 characters of A-Z a-z 0-9 . _ : @ - and not start with '{ReservedPrefix}'.");
        }

        if (r.Kind is TransferKind.Expire or < TransferKind.Immediate or > TransferKind.Expire)
        {
            return new("invalid_transfer_kind", "A client may submit single, pending, post and void transfers.");
        }

        if (r.Amount < 0)
        {
            return new("amount_must_be_positive", "amount must be a positive integer number of base units.");
        }

        if (!CurrencyPattern().IsMatch(r.Currency ?? ""))
        {
            return new("invalid_currency", "currency must be 2-8 capital letters.");
        }

        if (r.Reference is { Length: > MaxReferenceLength })
        {
            return new("invalid_reference", $"reference may be at most {MaxReferenceLength} characters.");
        }

        var resolves = r.Kind is TransferKind.Post or TransferKind.Void;
        if (resolves)
        {
            if (!IsValidId(r.PendingId))
            {
                return new("invalid_pending_id", "A post or void names the pending transfer in pendingId.");
            }

            if (r.Code != 0 && !TransferCodes.All.Contains(r.Code))
            {
                return new("invalid_code", "code must be 0 (the pending transfer's) or a known transfer code.");
            }

            if (r.TimeoutSeconds != 0 || r.ReversesId is not null)
            {
                return new("invalid_transfer", "A post or void takes neither a timeout nor a reversal.");
            }

            return (r.DebitAccountId, r.CreditAccountId) switch
            {
                ("", "") => null,
                var (debit, credit) when debit == credit => new("accounts_must_be_different", "debitAccountId and creditAccountId must differ."),
                var (debit, credit) when !IsValidId(debit) || !IsValidId(credit) => new("invalid_account_id", "Give both accounts of the pending transfer, or neither."),
                _ => null,
            };
        }

        if (r.PendingId is not null)
        {
            return new("invalid_pending_id", "pendingId belongs to post and void transfers only.");
        }

        if (r.Amount == 0)
        {
            return new("amount_must_be_positive", "amount must be a positive integer number of base units.");
        }

        if (!IsValidId(r.DebitAccountId) || !IsValidId(r.CreditAccountId))
        {
            return new("invalid_account_id", "debitAccountId and creditAccountId must be valid account ids.");
        }

        if (r.DebitAccountId == r.CreditAccountId)
        {
            return new("accounts_must_be_different", "debitAccountId and creditAccountId must differ.");
        }

        if (!TransferCodes.All.Contains(r.Code))
        {
            return new("invalid_code", $"code {r.Code} is not a transfer code (see ledger.transfer_codes).");
        }

        if (r.TimeoutSeconds < 0 || r.TimeoutSeconds > MaxTimeoutSeconds || (r.TimeoutSeconds != 0 && r.Kind != TransferKind.Pending))
        {
            return new("invalid_timeout", $"timeoutSeconds is for pending transfers only, 0 (never) to {MaxTimeoutSeconds}.");
        }

        if (r.ReversesId is not null && (!IsValidId(r.ReversesId) || r.Kind != TransferKind.Immediate))
        {
            return new("invalid_reversal", "A reversal is a single transfer naming a valid transfer id in reversesId.");
        }

        return null;
    }

    /// <summary>The first malformed request of a linked batch, with its index.</summary>
    public static (int Index, LedgerProblem Problem)? Check(IReadOnlyList<TransferRequest> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            if (Check(batch[i]) is { } problem)
            {
                return (i, problem);
            }

            if (!ids.Add(batch[i].TransferId))
            {
                return (i, new("duplicate_transfer_id", $"transferId '{batch[i].TransferId}' appears twice in the batch."));
            }
        }

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,128}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{2,8}$")]
    private static partial Regex CurrencyPattern();
}

/// <summary>A malformed request: a stable code (the problem code the API answers 400 with) and a human explanation.</summary>
public sealed record LedgerProblem(string Code, string Detail);
