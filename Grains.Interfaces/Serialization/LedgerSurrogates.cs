using Orleans.Serialization.Cloning;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Serialization;

// The ledger library (OrleansGoRelay.Ledger) stays free of Orleans: its types that cross grain calls (the
// Marketplace grain's accounts, transfers, outcomes and verification, and the economy's contributions) travel as these
// surrogates, which Orleans' code generator serialises and the converters below map to and from the domain types.
// The domain records are immutable, so each also gets a shallow copier: a local call passes the same instance.

/// <summary>Wire form of <see cref="AccountKind"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.AccountKind")]
public readonly record struct AccountKindSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="AccountKind"/> to its wire form.</summary>
[RegisterConverter]
public sealed class AccountKindConverter : IConverter<AccountKind, AccountKindSurrogate>
{
    /// <inheritdoc />
    public AccountKind ConvertFromSurrogate(in AccountKindSurrogate surrogate) => (AccountKind)surrogate.Value;

    /// <inheritdoc />
    public AccountKindSurrogate ConvertToSurrogate(in AccountKind value) => new((int)value);
}

/// <summary>Wire form of <see cref="BalanceRules"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.BalanceRules")]
public readonly record struct BalanceRulesSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="BalanceRules"/> to its wire form.</summary>
[RegisterConverter]
public sealed class BalanceRulesConverter : IConverter<BalanceRules, BalanceRulesSurrogate>
{
    /// <inheritdoc />
    public BalanceRules ConvertFromSurrogate(in BalanceRulesSurrogate surrogate) => (BalanceRules)surrogate.Value;

    /// <inheritdoc />
    public BalanceRulesSurrogate ConvertToSurrogate(in BalanceRules value) => new((int)value);
}

/// <summary>Wire form of <see cref="CreateAccountStatus"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.CreateAccountStatus")]
public readonly record struct CreateAccountStatusSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="CreateAccountStatus"/> to its wire form.</summary>
[RegisterConverter]
public sealed class CreateAccountStatusConverter : IConverter<CreateAccountStatus, CreateAccountStatusSurrogate>
{
    /// <inheritdoc />
    public CreateAccountStatus ConvertFromSurrogate(in CreateAccountStatusSurrogate surrogate) => (CreateAccountStatus)surrogate.Value;

    /// <inheritdoc />
    public CreateAccountStatusSurrogate ConvertToSurrogate(in CreateAccountStatus value) => new((int)value);
}

/// <summary>Wire form of <see cref="TransferKind"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.TransferKind")]
public readonly record struct TransferKindSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="TransferKind"/> to its wire form.</summary>
[RegisterConverter]
public sealed class TransferKindConverter : IConverter<TransferKind, TransferKindSurrogate>
{
    /// <inheritdoc />
    public TransferKind ConvertFromSurrogate(in TransferKindSurrogate surrogate) => (TransferKind)surrogate.Value;

    /// <inheritdoc />
    public TransferKindSurrogate ConvertToSurrogate(in TransferKind value) => new((int)value);
}

/// <summary>Wire form of <see cref="TransferResult"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.TransferResult")]
public readonly record struct TransferResultSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="TransferResult"/> to its wire form.</summary>
[RegisterConverter]
public sealed class TransferResultConverter : IConverter<TransferResult, TransferResultSurrogate>
{
    /// <inheritdoc />
    public TransferResult ConvertFromSurrogate(in TransferResultSurrogate surrogate) => (TransferResult)surrogate.Value;

    /// <inheritdoc />
    public TransferResultSurrogate ConvertToSurrogate(in TransferResult value) => new((int)value);
}

/// <summary>Wire form of <see cref="SubsidyReason"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.SubsidyReason")]
public readonly record struct SubsidyReasonSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="SubsidyReason"/> to its wire form.</summary>
[RegisterConverter]
public sealed class SubsidyReasonConverter : IConverter<SubsidyReason, SubsidyReasonSurrogate>
{
    /// <inheritdoc />
    public SubsidyReason ConvertFromSurrogate(in SubsidyReasonSurrogate surrogate) => (SubsidyReason)surrogate.Value;

    /// <inheritdoc />
    public SubsidyReasonSurrogate ConvertToSurrogate(in SubsidyReason value) => new((int)value);
}

/// <summary>Wire form of <see cref="AccountSpec"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.AccountSpec")]
public readonly record struct AccountSpecSurrogate(
    [property: Id(0)] string AccountId, [property: Id(1)] AccountKind Kind, [property: Id(2)] BalanceRules Flags, [property: Id(3)] string Currency);

/// <summary>Maps <see cref="AccountSpec"/> to its wire form.</summary>
[RegisterConverter]
public sealed class AccountSpecConverter : IConverter<AccountSpec, AccountSpecSurrogate>
{
    /// <inheritdoc />
    public AccountSpec ConvertFromSurrogate(in AccountSpecSurrogate surrogate) => new(
        surrogate.AccountId, surrogate.Kind, surrogate.Flags, surrogate.Currency);

    /// <inheritdoc />
    public AccountSpecSurrogate ConvertToSurrogate(in AccountSpec value) => new(
        value.AccountId, value.Kind, value.Flags, value.Currency);
}

/// <summary>Copies a <see cref="AccountSpec"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class AccountSpecCopier : ShallowCopier<AccountSpec>;

/// <summary>Wire form of <see cref="Account"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.Account")]
public readonly record struct AccountSurrogate(
    [property: Id(0)] string AccountId, [property: Id(1)] AccountKind Kind, [property: Id(2)] BalanceRules Flags, [property: Id(3)] string Currency,
    [property: Id(4)] long DebitsPosted, [property: Id(5)] long CreditsPosted, [property: Id(6)] long DebitsPending,
    [property: Id(7)] long CreditsPending, [property: Id(8)] DateTimeOffset CreatedAt);

/// <summary>Maps <see cref="Account"/> to its wire form.</summary>
[RegisterConverter]
public sealed class AccountConverter : IConverter<Account, AccountSurrogate>
{
    /// <inheritdoc />
    public Account ConvertFromSurrogate(in AccountSurrogate surrogate) => new(
        surrogate.AccountId, surrogate.Kind, surrogate.Flags, surrogate.Currency, surrogate.DebitsPosted, surrogate.CreditsPosted,
        surrogate.DebitsPending, surrogate.CreditsPending, surrogate.CreatedAt);

    /// <inheritdoc />
    public AccountSurrogate ConvertToSurrogate(in Account value) => new(
        value.AccountId, value.Kind, value.Flags, value.Currency, value.DebitsPosted, value.CreditsPosted, value.DebitsPending, value.CreditsPending,
        value.CreatedAt);
}

/// <summary>Copies a <see cref="Account"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class AccountCopier : ShallowCopier<Account>;

/// <summary>Wire form of <see cref="TransferRequest"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.TransferRequest")]
public readonly record struct TransferRequestSurrogate(
    [property: Id(0)] string TransferId, [property: Id(1)] string DebitAccountId, [property: Id(2)] string CreditAccountId,
    [property: Id(3)] long Amount, [property: Id(4)] int Code, [property: Id(5)] TransferKind Kind, [property: Id(6)] string? PendingId,
    [property: Id(7)] int TimeoutSeconds, [property: Id(8)] string Currency, [property: Id(9)] string? Reference,
    [property: Id(10)] string? ReversesId);

/// <summary>Maps <see cref="TransferRequest"/> to its wire form.</summary>
[RegisterConverter]
public sealed class TransferRequestConverter : IConverter<TransferRequest, TransferRequestSurrogate>
{
    /// <inheritdoc />
    public TransferRequest ConvertFromSurrogate(in TransferRequestSurrogate surrogate) => new(
        surrogate.TransferId, surrogate.DebitAccountId, surrogate.CreditAccountId, surrogate.Amount, surrogate.Code, surrogate.Kind,
        surrogate.PendingId, surrogate.TimeoutSeconds, surrogate.Currency, surrogate.Reference, surrogate.ReversesId);

    /// <inheritdoc />
    public TransferRequestSurrogate ConvertToSurrogate(in TransferRequest value) => new(
        value.TransferId, value.DebitAccountId, value.CreditAccountId, value.Amount, value.Code, value.Kind, value.PendingId, value.TimeoutSeconds,
        value.Currency, value.Reference, value.ReversesId);
}

/// <summary>Copies a <see cref="TransferRequest"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class TransferRequestCopier : ShallowCopier<TransferRequest>;

/// <summary>Wire form of <see cref="Transfer"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.Transfer")]
public readonly record struct TransferSurrogate(
    [property: Id(0)] long Sequence, [property: Id(1)] string TransferId, [property: Id(2)] TransferKind Kind,
    [property: Id(3)] string DebitAccountId, [property: Id(4)] string CreditAccountId, [property: Id(5)] long Amount,
    [property: Id(6)] string Currency, [property: Id(7)] int Code, [property: Id(8)] string? PendingId, [property: Id(9)] string? ReversesId,
    [property: Id(10)] string? Reference, [property: Id(11)] int TimeoutSeconds, [property: Id(12)] DateTimeOffset? ExpiresAt,
    [property: Id(13)] DateTimeOffset CreatedAt, [property: Id(14)] byte[] PreviousHash, [property: Id(15)] byte[] Hash);

/// <summary>Maps <see cref="Transfer"/> to its wire form.</summary>
[RegisterConverter]
public sealed class TransferConverter : IConverter<Transfer, TransferSurrogate>
{
    /// <inheritdoc />
    public Transfer ConvertFromSurrogate(in TransferSurrogate surrogate) => new(
        surrogate.Sequence, surrogate.TransferId, surrogate.Kind, surrogate.DebitAccountId, surrogate.CreditAccountId, surrogate.Amount,
        surrogate.Currency, surrogate.Code, surrogate.PendingId, surrogate.ReversesId, surrogate.Reference, surrogate.TimeoutSeconds,
        surrogate.ExpiresAt, surrogate.CreatedAt, surrogate.PreviousHash, surrogate.Hash);

    /// <inheritdoc />
    public TransferSurrogate ConvertToSurrogate(in Transfer value) => new(
        value.Sequence, value.TransferId, value.Kind, value.DebitAccountId, value.CreditAccountId, value.Amount, value.Currency, value.Code,
        value.PendingId, value.ReversesId, value.Reference, value.TimeoutSeconds, value.ExpiresAt, value.CreatedAt, value.PreviousHash, value.Hash);
}

/// <summary>Copies a <see cref="Transfer"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class TransferCopier : ShallowCopier<Transfer>;

/// <summary>Wire form of <see cref="TransferOutcome"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.TransferOutcome")]
public readonly record struct TransferOutcomeSurrogate(
    [property: Id(0)] string TransferId, [property: Id(1)] TransferResult Result, [property: Id(2)] Transfer? Transfer);

/// <summary>Maps <see cref="TransferOutcome"/> to its wire form.</summary>
[RegisterConverter]
public sealed class TransferOutcomeConverter : IConverter<TransferOutcome, TransferOutcomeSurrogate>
{
    /// <inheritdoc />
    public TransferOutcome ConvertFromSurrogate(in TransferOutcomeSurrogate surrogate) => new(
        surrogate.TransferId, surrogate.Result, surrogate.Transfer);

    /// <inheritdoc />
    public TransferOutcomeSurrogate ConvertToSurrogate(in TransferOutcome value) => new(
        value.TransferId, value.Result, value.Transfer);
}

/// <summary>Copies a <see cref="TransferOutcome"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class TransferOutcomeCopier : ShallowCopier<TransferOutcome>;

/// <summary>Wire form of <see cref="LedgerVerification"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.LedgerVerification")]
public readonly record struct LedgerVerificationSurrogate(
    [property: Id(0)] long Transfers, [property: Id(1)] bool ChainValid, [property: Id(2)] bool BalancesMatchEntries,
    [property: Id(3)] long SumOfBalances, [property: Id(4)] long? FirstBadSequence, [property: Id(5)] string[] MismatchedAccounts);

/// <summary>Maps <see cref="LedgerVerification"/> to its wire form.</summary>
[RegisterConverter]
public sealed class LedgerVerificationConverter : IConverter<LedgerVerification, LedgerVerificationSurrogate>
{
    /// <inheritdoc />
    public LedgerVerification ConvertFromSurrogate(in LedgerVerificationSurrogate surrogate) => new(
        surrogate.Transfers, surrogate.ChainValid, surrogate.BalancesMatchEntries, surrogate.SumOfBalances, surrogate.FirstBadSequence,
        surrogate.MismatchedAccounts);

    /// <inheritdoc />
    public LedgerVerificationSurrogate ConvertToSurrogate(in LedgerVerification value) => new(
        value.Transfers, value.ChainValid, value.BalancesMatchEntries, value.SumOfBalances, value.FirstBadSequence, [.. value.MismatchedAccounts]);
}

/// <summary>Copies a <see cref="LedgerVerification"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class LedgerVerificationCopier : ShallowCopier<LedgerVerification>;

/// <summary>Wire form of <see cref="Contribution"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.Contribution")]
public readonly record struct ContributionSurrogate(
    [property: Id(0)] string AccountId, [property: Id(1)] long ComputeSeconds, [property: Id(2)] int GradientQualityBp,
    [property: Id(3)] long BytesTransmitted, [property: Id(4)] int UptimeBp);

/// <summary>Maps <see cref="Contribution"/> to its wire form.</summary>
[RegisterConverter]
public sealed class ContributionConverter : IConverter<Contribution, ContributionSurrogate>
{
    /// <inheritdoc />
    public Contribution ConvertFromSurrogate(in ContributionSurrogate surrogate) => new(
        surrogate.AccountId, surrogate.ComputeSeconds, surrogate.GradientQualityBp, surrogate.BytesTransmitted, surrogate.UptimeBp);

    /// <inheritdoc />
    public ContributionSurrogate ConvertToSurrogate(in Contribution value) => new(
        value.AccountId, value.ComputeSeconds, value.GradientQualityBp, value.BytesTransmitted, value.UptimeBp);
}

/// <summary>Copies a <see cref="Contribution"/> by reference: it is immutable.</summary>
[RegisterCopier]
public sealed class ContributionCopier : ShallowCopier<Contribution>;
