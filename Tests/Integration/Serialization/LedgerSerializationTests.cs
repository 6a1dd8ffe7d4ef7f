using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Marketplace;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Serialization;

/// <summary>
/// The ledger library knows nothing of Orleans; its types cross grain calls through the surrogates and copiers in
/// Grains.Interfaces/Serialization/LedgerSurrogates.cs. These tests take each through Orleans' own serializer.
/// </summary>
public sealed class LedgerSerializationTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 21, 10, 30, 15, TimeSpan.Zero);

    /// <summary>Orleans' serializer and copier with what Grains.Interfaces registers (the surrogates, converters and copiers).</summary>
    private static readonly ServiceProvider Codecs = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(IMarketplaceGrain).Assembly))
        .BuildServiceProvider();

    private static T RoundTrip<T>(T value)
    {
        var serializer = Codecs.GetRequiredService<Serializer>();
        return serializer.Deserialize<T>(serializer.SerializeToArray(value))!;
    }

    private static Transfer SampleTransfer(DateTimeOffset? expiresAt = null) => new(
        42, "t-42", TransferKind.Pending, "player:alice", "player:bob", 1_234_567_890, "MCP", TransferCodes.Payment, null, null, "lunch", 60,
        expiresAt, At, [.. Enumerable.Range(0, 32).Select(i => (byte)i)], [.. Enumerable.Range(0, 32).Select(i => (byte)(255 - i))]);

    [Fact]
    public void EveryValueOfEveryLedgerEnumRoundTrips()
    {
        Assert.All(Enum.GetValues<AccountKind>(), v => Assert.Equal(v, RoundTrip(v)));
        Assert.All(Enum.GetValues<CreateAccountStatus>(), v => Assert.Equal(v, RoundTrip(v)));
        Assert.All(Enum.GetValues<TransferKind>(), v => Assert.Equal(v, RoundTrip(v)));
        Assert.All(Enum.GetValues<TransferResult>(), v => Assert.Equal(v, RoundTrip(v)));
        Assert.All(Enum.GetValues<SubsidyReason>(), v => Assert.Equal(v, RoundTrip(v)));
        Assert.All(Enum.GetValues<BalanceRules>(), v => Assert.Equal(v, RoundTrip(v)));
        Assert.Equal(BalanceRules.DebitsMustNotExceedCredits | BalanceRules.CreditsMustNotExceedDebits,
            RoundTrip(BalanceRules.DebitsMustNotExceedCredits | BalanceRules.CreditsMustNotExceedDebits));
    }

    [Fact]
    public void AccountsAndSpecsRoundTrip()
    {
        var spec = new AccountSpec("relay:r1", AccountKind.Relay, BalanceRules.DebitsMustNotExceedCredits, "USD");
        var account = new Account("relay:r1", AccountKind.Relay, BalanceRules.DebitsMustNotExceedCredits, "MCP", 10, 50, 3, long.MaxValue, At);

        Assert.Equal(spec, RoundTrip(spec));
        Assert.Equal(account, RoundTrip(account));
        Assert.Equal(40, RoundTrip(account).Balance);
        Assert.Equal(new CreateAccountResult(CreateAccountStatus.ExistsWithDifferentFields, account),
            RoundTrip(new CreateAccountResult(CreateAccountStatus.ExistsWithDifferentFields, account)));
    }

    [Fact]
    public void TransferRequestsTransfersAndOutcomesRoundTrip()
    {
        var request = new TransferRequest("p1-post", "", "", 0, 0, TransferKind.Post, "p1", 0, "MCP", "ref", null);
        var reversal = new TransferRequest("r1", "a", "b", 5, TransferCodes.Payment, ReversesId: "t0");
        Assert.Equal(request, RoundTrip(request));
        Assert.Equal(reversal, RoundTrip(reversal));

        foreach (var transfer in new[] { SampleTransfer(), SampleTransfer(At.AddSeconds(60)) })
        {
            var copy = RoundTrip(transfer);
            Assert.Equivalent(transfer, copy, strict: true);
            Assert.Equal(transfer.Hash, copy.Hash);
            Assert.Equal(transfer.ExpiresAt, copy.ExpiresAt);

            var outcome = RoundTrip(new TransferOutcome("t-42", TransferResult.Exists, transfer));
            Assert.Equal(TransferResult.Exists, outcome.Result);
            Assert.True(outcome.Applied);
            Assert.Equivalent(transfer, outcome.Transfer, strict: true);
        }

        Assert.Equal(new TransferOutcome("t-9", TransferResult.ExceedsCredits), RoundTrip(new TransferOutcome("t-9", TransferResult.ExceedsCredits)));
        Assert.Null(RoundTrip<TransferOutcome?>(null));
    }

    [Fact]
    public void ABatchBuiltWithACollectionExpressionRoundTripsAsAReadOnlyList()
    {
        // What callers write: SubmitTransfers([a, b]) and SubmitTransfers([a]), whose runtime types the compiler picks.
        IReadOnlyList<TransferRequest> batch =
        [
            new("b1", "player:alice", "player:bob", 60, TransferCodes.Payment),
            new("b2", "player:bob", "player:alice", 10, TransferCodes.Payment, Reference: "change"),
            new("b3", "player:alice", SystemAccounts.Treasury, 1, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 30),
        ];
        IReadOnlyList<TransferRequest> single = [new("s1", SystemAccounts.Treasury, "player:alice", Mcp.Of(1), TransferCodes.Issuance)];
        IReadOnlyList<TransferOutcome> outcomes = [new("b1", TransferResult.Created, SampleTransfer()), new("b2", TransferResult.LinkedEventFailed)];

        Assert.Equal(batch, RoundTrip(batch));
        Assert.Equal(single, RoundTrip(single));
        Assert.Equivalent(outcomes, RoundTrip(outcomes), strict: true);
    }

    [Fact]
    public void VerificationsAndEconomyRequestsRoundTrip()
    {
        var verification = new LedgerVerification(7, false, false, -3, 5, ["player:alice", "player:bob"]);
        var copy = RoundTrip(verification);
        Assert.Equivalent(verification, copy, strict: true);
        Assert.False(copy.Valid);
        Assert.Empty(RoundTrip(new LedgerVerification(0, true, true, 0, null, [])).MismatchedAccounts);

        var contributions = new List<Contribution> { new("a", 3_600, 9_500, 1_000_000, 10_000), new("b", 0, 0, 0, 0) };
        Assert.Equal(contributions, RoundTrip<IReadOnlyList<Contribution>>(contributions));

        var reward = new GameRewardRequest("g1", "alice", "bob", GameClass.Teaching, 8_000, 9_000, 1_000);
        Assert.Equal(reward, RoundTrip(reward));
        var payment = new InferencePaymentRequest("pay-1", "client-x", 1_000, ["alice"], ["r1", "r2"], []);
        var paid = RoundTrip(payment);
        Assert.Equivalent(payment, paid, strict: true);
    }

    [Fact]
    public void ImmutableLedgerRecordsAreCopiedByReference()
    {
        var copier = Codecs.GetRequiredService<DeepCopier>();
        var account = new Account("a", AccountKind.Player, BalanceRules.None, "MCP", 0, 0, 0, 0, At);
        var request = new TransferRequest("t", "a", "b", 1, TransferCodes.Payment);
        var transfer = SampleTransfer();
        var outcome = new TransferOutcome("t", TransferResult.Created, transfer);
        var verification = new LedgerVerification(1, true, true, 0, null, []);
        var spec = SystemAccounts.Wallet("a", AccountKind.Player);
        var contribution = new Contribution("a", 1, 2, 3, 4);

        Assert.Same(account, copier.Copy(account));
        Assert.Same(request, copier.Copy(request));
        Assert.Same(transfer, copier.Copy(transfer));
        Assert.Same(outcome, copier.Copy(outcome));
        Assert.Same(verification, copier.Copy(verification));
        Assert.Same(spec, copier.Copy(spec));
        Assert.Same(contribution, copier.Copy(contribution));
        Assert.Equal(TransferResult.ExceedsCredits, copier.Copy(TransferResult.ExceedsCredits));
    }
}
