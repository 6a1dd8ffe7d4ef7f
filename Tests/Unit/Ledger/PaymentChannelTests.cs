using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>Payment channels against the ledger engine in memory: calls draw without ledger writes, settlements move exactly what was drawn.</summary>
public sealed class PaymentChannelTests
{
    private const long Price = 1_000;

    private static readonly RevenueRecipients Recipients = new(
        [("relay:a", 3), ("relay:b", 1)], [("relay:a", 1), ("relay:c", 1)], [("trainer:a", 2), ("trainer:b", 1)]);

    [Fact]
    public void TheSplitIsFortyThirtyTwentyTenByWeightAndSumsExactly()
    {
        var legs = PaymentChannels.Split(10_001, Recipients);
        Assert.Equal(10_001, legs.Sum(l => l.Amount));
        Assert.Equal(4_000, legs.Where(l => l.Code == TransferCodes.RevenueData).Sum(l => l.Amount));
        Assert.Equal(3_000, legs.Single(l => l.Code == TransferCodes.RevenueData && l.AccountId == "relay:a").Amount);
        Assert.Equal(3_000, legs.Where(l => l.Code == TransferCodes.RevenueRelay).Sum(l => l.Amount));
        Assert.Equal(2_000, legs.Where(l => l.Code == TransferCodes.RevenueTrainer).Sum(l => l.Amount));
        Assert.Equal(1_001, legs.Single(l => l.Code == TransferCodes.RevenueTreasury).Amount); // 10 % and the remainder
        // A group without recipients goes to the treasury.
        var noTrainers = PaymentChannels.Split(100, Recipients with { Trainers = [] });
        Assert.Equal(30, noTrainers.Single(l => l.Code == TransferCodes.RevenueTreasury).Amount);
    }

    [Fact]
    public async Task AChannelDrawsUntilExhaustedAndSettlesOnlyWhatWasDrawnOnceEach()
    {
        var store = new InMemoryLedgerStore(TimeProvider.System);
        await SeedAsync(store, 10 * Price);
        var (channel, lockDeposit) = PaymentChannels.Open("c1", "client", 5 * Price, Price, timeoutSeconds: 600);
        Assert.Equal(TransferResult.Created, (await store.SubmitAsync([lockDeposit]))[0].Result);

        for (var i = 0; i < 3; i++)
        {
            channel = PaymentChannels.Draw(channel)!;
        }
        var (settled, batch) = PaymentChannels.Settle(channel, Recipients, closing: false, timeoutSeconds: 600);
        Assert.All(await store.SubmitAsync(batch), o => Assert.True(o.Applied, o.Result.ToString()));
        // A retried settlement (the same ids) pays nothing twice.
        Assert.All(await store.SubmitAsync(batch), o => Assert.Equal(TransferResult.Exists, o.Result));
        Assert.Equal(3 * Price, await RevenueAsync(store));
        Assert.Equal(10 * Price - (3 * Price) - (2 * Price), await BalanceAsync(store, "client") - await PendingAsync(store, "client")); // 2 still locked

        channel = PaymentChannels.Draw(settled)!;
        channel = PaymentChannels.Draw(channel)!;
        Assert.Null(PaymentChannels.Draw(channel)); // exhausted: 5 calls paid for, the sixth is refused
        var (closed, last) = PaymentChannels.Settle(channel, Recipients, closing: true, timeoutSeconds: 600);
        Assert.All(await store.SubmitAsync(last), o => Assert.True(o.Applied, o.Result.ToString()));
        Assert.True(closed.Closed);
        Assert.Equal(5 * Price, await RevenueAsync(store));
        Assert.Equal(5 * Price, await BalanceAsync(store, "client"));
        Assert.Equal(0, await PendingAsync(store, "client"));
        Assert.Equal(0, await BalanceAsync(store, PaymentChannels.Escrow));
    }

    [Fact]
    public async Task ClosingAChannelNobodyUsedReturnsTheWholeDeposit()
    {
        var store = new InMemoryLedgerStore(TimeProvider.System);
        await SeedAsync(store, 10 * Price);
        var (channel, lockDeposit) = PaymentChannels.Open("c2", "client", 4 * Price, Price, timeoutSeconds: 600);
        await store.SubmitAsync([lockDeposit]);
        var (_, batch) = PaymentChannels.Settle(channel, Recipients, closing: true, timeoutSeconds: 600);
        Assert.All(await store.SubmitAsync(batch), o => Assert.True(o.Applied, o.Result.ToString()));
        Assert.Equal(10 * Price, await BalanceAsync(store, "client"));
        Assert.Equal(0, await PendingAsync(store, "client"));
        Assert.Equal(0, await RevenueAsync(store));
    }

    private static async Task SeedAsync(InMemoryLedgerStore store, long clientFunds)
    {
        foreach (var spec in SystemAccounts.All.Append(new AccountSpec(PaymentChannels.Escrow, AccountKind.DepositEscrow, BalanceRules.DebitsMustNotExceedCredits))
            .Append(SystemAccounts.Wallet("client", AccountKind.ApiClient))
            .Concat(new[] { "relay:a", "relay:b", "relay:c", "trainer:a", "trainer:b" }.Select(a => SystemAccounts.Wallet(a, a.StartsWith("relay", StringComparison.Ordinal) ? AccountKind.Relay : AccountKind.Trainer))))
        {
            await store.CreateAccountAsync(spec);
        }
        await store.SubmitAsync([new TransferRequest("fund", SystemAccounts.Treasury, "client", clientFunds, TransferCodes.Issuance)]);
    }

    private static async Task<long> BalanceAsync(InMemoryLedgerStore store, string account) => (await store.GetAccountAsync(account))!.Balance;

    private static async Task<long> PendingAsync(InMemoryLedgerStore store, string account) => (await store.GetAccountAsync(account))!.DebitsPending;

    /// <summary>What the recipients received: their balances and the treasury's (less the client's issued funds).</summary>
    private static async Task<long> RevenueAsync(InMemoryLedgerStore store)
    {
        long total = 10 * Price + await BalanceAsync(store, SystemAccounts.Treasury);
        foreach (var account in new[] { "relay:a", "relay:b", "relay:c", "trainer:a", "trainer:b" })
        {
            total += await BalanceAsync(store, account);
        }
        return total;
    }
}
