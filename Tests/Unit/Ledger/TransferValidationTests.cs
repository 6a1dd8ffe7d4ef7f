using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The shape checks that answer a malformed request 400 with a stable code, before it reaches any store.</summary>
public sealed class TransferValidationTests
{
    private static readonly TransferRequest Payment = new("t1", "player:alice", "player:bob", 10, TransferCodes.Payment);

    private static readonly TransferRequest Post = new("t1:post", "", "", 0, 0, TransferKind.Post, "t1");

    [Fact]
    public void WellFormedRequestsPass()
    {
        TransferRequest[] good =
        [
            Payment,
            Payment with { TransferId = new string('x', 128), Reference = new string('r', TransferValidation.MaxReferenceLength) },
            Payment with { Kind = TransferKind.Pending, TimeoutSeconds = TransferValidation.MaxTimeoutSeconds },
            Payment with { ReversesId = "t0" },
            Payment with { Currency = "USD", TransferId = "A-z.0_9:@" },
            Post,
            Post with { Amount = 5, Code = TransferCodes.Payment },
            Post with { Kind = TransferKind.Void, DebitAccountId = "player:alice", CreditAccountId = "player:bob" },
        ];

        Assert.All(good, r => Assert.Null(TransferValidation.Check(r)));
        Assert.Null(TransferValidation.Check([.. good.Select((r, i) => r with { TransferId = $"{r.TransferId[..Math.Min(r.TransferId.Length, 100)]}-{i}" })]));
    }

    [Fact]
    public void EachMalformedTransferIsNamedByItsCode()
    {
        (string Code, TransferRequest Request)[] cases =
        [
            ("invalid_transfer_id", Payment with { TransferId = "" }),
            ("invalid_transfer_id", Payment with { TransferId = new string('x', 129) }),
            ("invalid_transfer_id", Payment with { TransferId = "has space" }),
            ("invalid_transfer_id", Payment with { TransferId = TransferValidation.ReservedPrefix + "t1" }),
            ("invalid_transfer_kind", Payment with { Kind = TransferKind.Expire }),
            ("invalid_transfer_kind", Payment with { Kind = (TransferKind)42 }),
            ("amount_must_be_positive", Payment with { Amount = 0 }),
            ("amount_must_be_positive", Payment with { Amount = -1 }),
            ("amount_must_be_positive", Post with { Amount = -1 }),
            ("invalid_currency", Payment with { Currency = "mcp" }),
            ("invalid_currency", Payment with { Currency = "M" }),
            ("invalid_reference", Payment with { Reference = new string('r', TransferValidation.MaxReferenceLength + 1) }),
            ("invalid_pending_id", Post with { PendingId = null }),
            ("invalid_pending_id", Payment with { PendingId = "t0" }),
            ("invalid_code", Post with { Code = 999 }),
            ("invalid_code", Payment with { Code = 0 }),
            ("invalid_transfer", Post with { TimeoutSeconds = 5 }),
            ("invalid_transfer", Post with { ReversesId = "t0" }),
            ("accounts_must_be_different", Payment with { CreditAccountId = "player:alice" }),
            ("accounts_must_be_different", Post with { DebitAccountId = "player:alice", CreditAccountId = "player:alice" }),
            ("invalid_account_id", Payment with { DebitAccountId = "" }),
            ("invalid_account_id", Payment with { CreditAccountId = "bob/../alice" }),
            ("invalid_account_id", Post with { DebitAccountId = "player:alice" }),
            ("invalid_timeout", Payment with { TimeoutSeconds = 5 }),
            ("invalid_timeout", Payment with { Kind = TransferKind.Pending, TimeoutSeconds = -1 }),
            ("invalid_timeout", Payment with { Kind = TransferKind.Pending, TimeoutSeconds = TransferValidation.MaxTimeoutSeconds + 1 }),
            ("invalid_reversal", Payment with { Kind = TransferKind.Pending, ReversesId = "t0" }),
            ("invalid_reversal", Payment with { ReversesId = "" }),
        ];

        Assert.All(cases, c => Assert.Equal(c.Code, TransferValidation.Check(c.Request)?.Code));
        Assert.All(cases, c => Assert.False(string.IsNullOrWhiteSpace(TransferValidation.Check(c.Request)!.Detail)));
    }

    [Fact]
    public void ABatchNamesItsFirstMalformedItemOrARepeatedId()
    {
        var malformed = TransferValidation.Check([Payment, Payment with { TransferId = "t2", Amount = 0 }, Payment with { TransferId = "" }]);
        Assert.Equal((1, "amount_must_be_positive"), (malformed!.Value.Index, malformed.Value.Problem.Code));

        var repeated = TransferValidation.Check([Payment, Payment with { TransferId = "t2" }, Payment with { Amount = 11 }]);
        Assert.Equal((2, "duplicate_transfer_id"), (repeated!.Value.Index, repeated.Value.Problem.Code));
    }

    [Fact]
    public void AccountSpecsAreChecked()
    {
        Assert.All(SystemAccounts.All, spec => Assert.Null(TransferValidation.Check(spec)));
        Assert.Null(TransferValidation.Check(SystemAccounts.Wallet(SystemAccounts.Trainer("t-1"), AccountKind.Trainer)));

        var wallet = SystemAccounts.Wallet(SystemAccounts.Player("alice"), AccountKind.Player);
        Assert.Equal("invalid_account_id", TransferValidation.Check(wallet with { AccountId = "player alice" })?.Code);
        Assert.Equal("invalid_kind", TransferValidation.Check(wallet with { Kind = (AccountKind)99 })?.Code);
        Assert.Equal("invalid_flags", TransferValidation.Check(wallet with { Flags = BalanceRules.DebitsMustNotExceedCredits | BalanceRules.CreditsMustNotExceedDebits })?.Code);
        Assert.Equal("invalid_currency", TransferValidation.Check(wallet with { Currency = "TOOLONGXX" })?.Code);
    }

    [Fact]
    public void LedgerNamesAreSnakeCaseBothWays()
    {
        Assert.Equal("exists_with_different_fields", LedgerNames.Of(TransferResult.ExistsWithDifferentFields));
        Assert.Equal("deposit_escrow", LedgerNames.Of(AccountKind.DepositEscrow));
        Assert.Equal("debits_must_not_exceed_credits", LedgerNames.NameOf(BalanceRules.DebitsMustNotExceedCredits));
        Assert.Equal("high_quality_data", LedgerNames.NameOf(SubsidyReason.HighQualityData));
        Assert.All(Enum.GetValues<TransferResult>(), r => Assert.Equal(r, LedgerNames.ParseResult(LedgerNames.Of(r))));
        Assert.All(Enum.GetValues<TransferKind>(), k => Assert.Equal(k, LedgerNames.ParseTransferKind(LedgerNames.Of(k))));
        Assert.All(Enum.GetValues<AccountKind>(), k => Assert.Equal(k, LedgerNames.ParseAccountKind(LedgerNames.Of(k))));

        Assert.False(LedgerNames.TryParse<TransferResult>("ExceedsCredits", out _));
        Assert.False(LedgerNames.TryParse<TransferResult>(null, out _));
        Assert.Throws<FormatException>(() => LedgerNames.Parse<TransferKind>("sideways"));
    }
}
