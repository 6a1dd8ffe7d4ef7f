using System.Text.Json.Serialization;

namespace OrleansGoRelay.Ledger;

/// <summary>Token amounts: integers in base units.</summary>
public static class Mcp
{
    /// <summary>Base units in one MCP.</summary>
    public const long Unit = 1_000_000_000;

    /// <summary>The only currency the marketplace pays in.</summary>
    public const string Currency = "MCP";

    /// <summary>An amount of whole MCP in base units.</summary>
    public static long Of(long mcp) => checked(mcp * Unit);

    /// <summary>An amount for people to read: base units as MCP, exactly (<c>100000000</c> → <c>0.1 MCP</c>).</summary>
    public static string Format(long units) =>
        (units / (decimal)Unit).ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture) + " " + Currency;
}

/// <summary>What an account is for; analysts group balances by it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AccountKind>))]
public enum AccountKind
{
    /// <summary>A player's wallet.</summary>
    [JsonStringEnumMemberName("player")] Player,
    /// <summary>A relay operator's wallet.</summary>
    [JsonStringEnumMemberName("relay")] Relay,
    /// <summary>A model trainer's wallet.</summary>
    [JsonStringEnumMemberName("trainer")] Trainer,
    /// <summary>The treasury: issues tokens, so it may go negative.</summary>
    [JsonStringEnumMemberName("treasury")] Treasury,
    /// <summary>The pool game rewards are paid from.</summary>
    [JsonStringEnumMemberName("reward_pool")] RewardPool,
    /// <summary>The pool relay subsidies are paid from.</summary>
    [JsonStringEnumMemberName("subsidy_pool")] SubsidyPool,
    /// <summary>An API client paying for inference.</summary>
    [JsonStringEnumMemberName("api_client")] ApiClient,
    /// <summary>Holds deposits (training stamps) until they are returned or burned.</summary>
    [JsonStringEnumMemberName("deposit_escrow")] DepositEscrow,
}

/// <summary>Balance rules of an account (TigerBeetle's account flags).</summary>
[Flags]
public enum BalanceRules
{
    /// <summary>No rule: the account may go negative either way.</summary>
    None = 0,
    /// <summary>debits_pending + debits_posted may never exceed credits_posted (a wallet cannot overdraw).</summary>
    DebitsMustNotExceedCredits = 1,
    /// <summary>credits_pending + credits_posted may never exceed debits_posted.</summary>
    CreditsMustNotExceedDebits = 2,
}

/// <summary>An account to create.</summary>
/// <param name="AccountId">1–128 characters of <c>A–Z a–z 0–9 . _ : @ -</c>.</param>
/// <param name="Kind">What the account is for.</param>
/// <param name="Flags">Its balance rules (not both).</param>
/// <param name="Currency">Its currency; transfers only move between accounts of one currency.</param>
public sealed record AccountSpec(string AccountId, AccountKind Kind, BalanceRules Flags, string Currency = Mcp.Currency);

/// <summary>An account and its balances. Balance is credit-normal: credits posted minus debits posted.</summary>
public sealed record Account(
    string AccountId,
    AccountKind Kind,
    BalanceRules Flags,
    string Currency,
    long DebitsPosted,
    long CreditsPosted,
    long DebitsPending,
    long CreditsPending,
    DateTimeOffset CreatedAt)
{
    /// <summary>Credits posted minus debits posted (may be negative only for an account without rules).</summary>
    public long Balance => CreditsPosted - DebitsPosted;
}

/// <summary>The outcome of creating an account.</summary>
public enum CreateAccountStatus
{
    /// <summary>Created now.</summary>
    Created,
    /// <summary>An identical account already existed.</summary>
    Exists,
    /// <summary>An account with this id but other fields exists.</summary>
    ExistsWithDifferentFields,
}

/// <summary>What a transfer does.</summary>
public enum TransferKind
{
    /// <summary>Posts at once.</summary>
    Immediate,
    /// <summary>Reserves the amount (debits/credits pending) until posted, voided or expired.</summary>
    Pending,
    /// <summary>Posts a pending transfer, fully or partly, and releases the rest.</summary>
    Post,
    /// <summary>Releases a pending transfer.</summary>
    Void,
    /// <summary>Written by the ledger when a pending transfer's timeout passes; releases it.</summary>
    Expire,
}

/// <summary>
/// A transfer request. For <see cref="TransferKind.Post"/> and <see cref="TransferKind.Void"/>, <see cref="PendingId"/>
/// names the pending transfer; the accounts may be left empty (they are taken from it) and an amount of 0 means the full
/// pending amount. <see cref="ReversesId"/> makes this the one reversal of an applied transfer: accounts swapped,
/// same amount.
/// </summary>
public sealed record TransferRequest(
    string TransferId,
    string DebitAccountId,
    string CreditAccountId,
    long Amount,
    int Code,
    TransferKind Kind = TransferKind.Immediate,
    string? PendingId = null,
    int TimeoutSeconds = 0,
    string Currency = Mcp.Currency,
    string? Reference = null,
    string? ReversesId = null);

/// <summary>An applied transfer as stored, with its place in the hash chain.</summary>
public sealed record Transfer(
    long Sequence,
    string TransferId,
    TransferKind Kind,
    string DebitAccountId,
    string CreditAccountId,
    long Amount,
    string Currency,
    int Code,
    string? PendingId,
    string? ReversesId,
    string? Reference,
    int TimeoutSeconds,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset CreatedAt,
    byte[] PreviousHash,
    byte[] Hash);

/// <summary>
/// The outcome of one transfer request. Every outcome other than <see cref="Exists"/> and
/// <see cref="ExistsWithDifferentFields"/> is recorded under the transfer id, so a retry returns it again forever.
/// </summary>
public enum TransferResult
{
    /// <summary>Applied now.</summary>
    Created,
    /// <summary>This id was submitted before with the identical body and was applied then.</summary>
    Exists,
    /// <summary>This id was submitted before with another body.</summary>
    ExistsWithDifferentFields,
    /// <summary>Another transfer of the same linked batch failed, so none was applied.</summary>
    LinkedEventFailed,
    /// <summary>The debit account does not exist.</summary>
    DebitAccountNotFound,
    /// <summary>The credit account does not exist.</summary>
    CreditAccountNotFound,
    /// <summary>The two accounts have different currencies.</summary>
    AccountsMustHaveTheSameCurrency,
    /// <summary>The transfer's currency is not the accounts' currency.</summary>
    TransferMustHaveTheSameCurrencyAsAccounts,
    /// <summary>The debit account's rule: debits would exceed credits.</summary>
    ExceedsCredits,
    /// <summary>The credit account's rule: credits would exceed debits.</summary>
    ExceedsDebits,
    /// <summary>A balance would pass the largest 64-bit integer.</summary>
    OverflowsBalance,
    /// <summary>The pending transfer to post or void does not exist.</summary>
    PendingTransferNotFound,
    /// <summary>The transfer named to post or void is not a pending transfer.</summary>
    PendingTransferNotPending,
    /// <summary>The pending transfer was already posted.</summary>
    PendingTransferAlreadyPosted,
    /// <summary>The pending transfer was already voided.</summary>
    PendingTransferAlreadyVoided,
    /// <summary>The pending transfer's timeout has passed.</summary>
    PendingTransferExpired,
    /// <summary>The accounts given differ from the pending transfer's.</summary>
    PendingTransferHasDifferentAccounts,
    /// <summary>A post for more than the pending amount, or a void for another amount.</summary>
    ExceedsPendingTransferAmount,
    /// <summary>The transfer to reverse does not exist.</summary>
    ReversedTransferNotFound,
    /// <summary>The transfer was already reversed.</summary>
    AlreadyReversed,
    /// <summary>A reversal must swap the original's accounts and repeat its amount and currency.</summary>
    ReversalMustMirrorOriginal,
    /// <summary>Only posted transfers (single or post) can be reversed.</summary>
    ReversalOfUnpostedTransfer,
}

/// <summary>One request's outcome, with the stored transfer when it was applied.</summary>
public sealed record TransferOutcome(string TransferId, TransferResult Result, Transfer? Transfer = null)
{
    /// <summary>Whether the transfer is (now or from before) applied.</summary>
    public bool Applied => Result is TransferResult.Created or TransferResult.Exists;
}

/// <summary>The result of verifying the ledger.</summary>
/// <param name="Transfers">Applied transfers checked.</param>
/// <param name="ChainValid">Every transfer's hash and predecessor hash recompute, with no gap in the sequence.</param>
/// <param name="BalancesMatchEntries">Every account's cached balances equal the sums of its transfers.</param>
/// <param name="SumOfBalances">The sum of every account's balance (must be 0 in a double-entry ledger).</param>
/// <param name="FirstBadSequence">The first transfer whose chain link fails, if any.</param>
/// <param name="MismatchedAccounts">Accounts whose cached balances differ from their entries.</param>
public sealed record LedgerVerification(
    long Transfers,
    bool ChainValid,
    bool BalancesMatchEntries,
    long SumOfBalances,
    long? FirstBadSequence,
    IReadOnlyList<string> MismatchedAccounts)
{
    /// <summary>Whether every check holds.</summary>
    public bool Valid => ChainValid && BalancesMatchEntries && SumOfBalances == 0;
}
