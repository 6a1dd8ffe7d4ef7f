using OrleansGoRelay.Ledger;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The ledger's guarantees, on PostgreSQL and in memory alike.</summary>
public sealed class LedgerStoreTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public static TheoryData<Provider> Providers => LedgerStores.Providers;

    private string Id(string name) => $"{name}-{_run}";

    private async Task<T> WithStoreAsync<T>(Provider provider, Func<ILedgerStore, Task<T>> test, ManualClock? clock = null)
    {
        var store = await LedgerStores.CreateAsync(provider, database, clock ?? new ManualClock());
        try
        {
            var result = await test(store);
            var verification = await store.VerifyAsync();
            Assert.True(verification.Valid, $"ledger invalid after the test: {verification}");
            return result;
        }
        finally
        {
            await LedgerStores.DisposeAsync(store);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public Task ATransferMovesBothSidesAndARetryReturnsTheOriginalOutcome(Provider provider) => WithStoreAsync(provider, async store =>
    {
        var alice = await store.WalletAsync(Id("alice"), Mcp.Of(10));
        var bob = await store.WalletAsync(Id("bob"));
        var request = new TransferRequest(Id("t1"), alice, bob, Mcp.Of(3), TransferCodes.Payment, Reference: "lunch");

        var first = (await store.SubmitAsync([request]))[0];
        var retry = (await store.SubmitAsync([request]))[0];

        Assert.Equal(TransferResult.Created, first.Result);
        Assert.Equal(TransferResult.Exists, retry.Result);
        Assert.Equal(first.Transfer!.Sequence, retry.Transfer!.Sequence);
        Assert.Equal(Mcp.Of(7), (await store.GetAccountAsync(alice))!.Balance);
        Assert.Equal(Mcp.Of(3), (await store.GetAccountAsync(bob))!.Balance);
        Assert.Equal(TransferResult.ExistsWithDifferentFields, await store.TransferAsync(request with { Amount = Mcp.Of(2) }));
        return 0;
    });

    [Theory, MemberData(nameof(Providers))]
    public Task ARefusalIsTheIdsOutcomeForeverEvenAfterFundsArrive(Provider provider) => WithStoreAsync(provider, async store =>
    {
        var carol = await store.WalletAsync(Id("carol"), 100);
        var dave = await store.WalletAsync(Id("dave"));
        var tooMuch = new TransferRequest(Id("t2"), carol, dave, 101, TransferCodes.Payment);

        Assert.Equal(TransferResult.ExceedsCredits, await store.TransferAsync(tooMuch));
        await store.TransferAsync(new TransferRequest(Id("topup"), SystemAccounts.Treasury, carol, 1000, TransferCodes.Issuance));
        Assert.Equal(TransferResult.ExceedsCredits, await store.TransferAsync(tooMuch));
        Assert.Equal(TransferResult.ExceedsCredits, (await store.GetTransferAsync(tooMuch.TransferId))!.Result);
        Assert.Equal(1100, (await store.GetAccountAsync(carol))!.Balance);
        return 0;
    });

    [Theory, MemberData(nameof(Providers))]
    public Task UnknownAccountsWrongCurrencyAndOverflowAreRefusedWithTheirReason(Provider provider) => WithStoreAsync(provider, async store =>
    {
        var erin = await store.WalletAsync(Id("erin"), 50);
        var usd = await store.WalletAsync(Id("usd"), currency: "USD");
        var sink = await store.CreateAccountAsync(new AccountSpec(Id("sink"), AccountKind.Treasury, BalanceRules.None));
        var issuer = await store.CreateAccountAsync(new AccountSpec(Id("issuer"), AccountKind.Treasury, BalanceRules.None));

        Assert.Equal(TransferResult.DebitAccountNotFound, await store.TransferAsync(new(Id("t3"), Id("nobody"), erin, 1, TransferCodes.Payment)));
        Assert.Equal(TransferResult.CreditAccountNotFound, await store.TransferAsync(new(Id("t4"), erin, Id("nobody"), 1, TransferCodes.Payment)));
        Assert.Equal(TransferResult.AccountsMustHaveTheSameCurrency, await store.TransferAsync(new(Id("t5"), erin, usd, 1, TransferCodes.Payment)));
        Assert.Equal(TransferResult.TransferMustHaveTheSameCurrencyAsAccounts, await store.TransferAsync(new(Id("t6"), erin, SystemAccounts.Treasury, 1, TransferCodes.Payment, Currency: "USD")));
        Assert.Equal(TransferResult.Created, await store.TransferAsync(new(Id("t7"), issuer.Account.AccountId, sink.Account.AccountId, long.MaxValue, TransferCodes.Issuance)));
        Assert.Equal(TransferResult.OverflowsBalance, await store.TransferAsync(new(Id("t8"), erin, sink.Account.AccountId, 1, TransferCodes.Payment)));
        Assert.Equal(TransferResult.Created, await store.TransferAsync(new(Id("t9"), sink.Account.AccountId, issuer.Account.AccountId, long.MaxValue, TransferCodes.Payment, ReversesId: Id("t7"))));
        Assert.Equal(50, (await store.GetAccountAsync(erin))!.Balance);
        return 0;
    });

    [Theory, MemberData(nameof(Providers))]
    public Task ALinkedBatchIsAllOrNothingAndItsRetryAnswersTheSame(Provider provider) => WithStoreAsync(provider, async store =>
    {
        var frank = await store.WalletAsync(Id("frank"), 100);
        var grace = await store.WalletAsync(Id("grace"));
        TransferRequest[] batch =
        [
            new(Id("b1"), frank, grace, 60, TransferCodes.Payment),
            new(Id("b2"), frank, grace, 60, TransferCodes.Payment), // the second 60 overdraws frank
            new(Id("b3"), grace, frank, 10, TransferCodes.Payment),
        ];

        var outcomes = await store.SubmitAsync(batch);
        var retry = await store.SubmitAsync(batch);

        Assert.Equal([TransferResult.LinkedEventFailed, TransferResult.ExceedsCredits, TransferResult.LinkedEventFailed], outcomes.Select(o => o.Result));
        Assert.Equal(outcomes.Select(o => o.Result), retry.Select(o => o.Result));
        Assert.Equal(100, (await store.GetAccountAsync(frank))!.Balance);
        Assert.Equal(0, (await store.GetAccountAsync(grace))!.Balance);

        var good = await store.SubmitAsync([new(Id("b4"), frank, grace, 60, TransferCodes.Payment), new(Id("b5"), grace, frank, 10, TransferCodes.Payment)]);
        Assert.All(good, o => Assert.Equal(TransferResult.Created, o.Result));
        Assert.Equal(50, (await store.GetAccountAsync(frank))!.Balance);
        return 0;
    });

    [Theory, MemberData(nameof(Providers))]
    public Task APendingTransferPostsPartlyAtMostOnceAndReleasesTheRest(Provider provider) => WithStoreAsync(provider, async store =>
    {
        var heidi = await store.WalletAsync(Id("heidi"), 100);
        var ivan = await store.WalletAsync(Id("ivan"));
        Assert.Equal(TransferResult.Created, await store.TransferAsync(new(Id("p1"), heidi, ivan, 80, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 60)));
        var reserved = (await store.GetAccountAsync(heidi))!;
        Assert.Equal((80L, 0L), (reserved.DebitsPending, reserved.DebitsPosted));
        Assert.Equal(TransferResult.ExceedsCredits, await store.TransferAsync(new(Id("p1-spend"), heidi, ivan, 30, TransferCodes.Payment)));

        Assert.Equal(TransferResult.ExceedsPendingTransferAmount, await store.TransferAsync(new(Id("p1-over"), "", "", 81, 0, TransferKind.Post, Id("p1"))));
        Assert.Equal(TransferResult.Created, await store.TransferAsync(new(Id("p1-post"), "", "", 50, 0, TransferKind.Post, Id("p1"))));
        Assert.Equal(TransferResult.PendingTransferAlreadyPosted, await store.TransferAsync(new(Id("p1-void"), "", "", 0, 0, TransferKind.Void, Id("p1"))));

        var after = (await store.GetAccountAsync(heidi))!;
        Assert.Equal((0L, 50L, 50L), (after.DebitsPending, after.DebitsPosted, after.Balance));
        Assert.Equal(50, (await store.GetAccountAsync(ivan))!.Balance);
        return 0;
    });

    [Theory, MemberData(nameof(Providers))]
    public Task AnExpiredPendingTransferCannotBePostedAndIsReleased(Provider provider)
    {
        var clock = new ManualClock();
        return WithStoreAsync(provider, async store =>
        {
            var judy = await store.WalletAsync(Id("judy"), 100);
            var ken = await store.WalletAsync(Id("ken"));
            await store.TransferAsync(new(Id("p2"), judy, ken, 70, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 30));
            await store.TransferAsync(new(Id("p3"), judy, ken, 10, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 300));

            clock.Advance(TimeSpan.FromSeconds(31));
            Assert.Equal(TransferResult.PendingTransferExpired, await store.TransferAsync(new(Id("p2-post"), "", "", 0, 0, TransferKind.Post, Id("p2"))));
            Assert.Equal(80, (await store.GetAccountAsync(judy))!.DebitsPending); // refused, but not yet released

            Assert.True(await store.ExpirePendingAsync(100) >= 1);
            Assert.Equal(10, (await store.GetAccountAsync(judy))!.DebitsPending);
            Assert.Equal(TransferResult.Created, await store.TransferAsync(new(Id("p3-void"), "", "", 0, 0, TransferKind.Void, Id("p3"))));
            Assert.Equal((0L, 100L), ((await store.GetAccountAsync(judy))!.DebitsPending, (await store.GetAccountAsync(judy))!.Balance));
            return 0;
        }, clock);
    }

    [Theory, MemberData(nameof(Providers))]
    public Task ATransferIsCorrectedOnlyByOneMirroredReversal(Provider provider) => WithStoreAsync(provider, async store =>
    {
        var liam = await store.WalletAsync(Id("liam"), 100);
        var mia = await store.WalletAsync(Id("mia"));
        await store.TransferAsync(new(Id("r1"), liam, mia, 40, TransferCodes.Payment));

        Assert.Equal(TransferResult.ReversalMustMirrorOriginal, await store.TransferAsync(new(Id("r1-bad"), mia, liam, 39, TransferCodes.Payment, ReversesId: Id("r1"))));
        Assert.Equal(TransferResult.Created, await store.TransferAsync(new(Id("r1-rev"), mia, liam, 40, TransferCodes.Payment, ReversesId: Id("r1"))));
        Assert.Equal(TransferResult.AlreadyReversed, await store.TransferAsync(new(Id("r1-rev2"), mia, liam, 40, TransferCodes.Payment, ReversesId: Id("r1"))));
        Assert.Equal(TransferResult.ReversedTransferNotFound, await store.TransferAsync(new(Id("r9-rev"), mia, liam, 40, TransferCodes.Payment, ReversesId: Id("r9"))));
        Assert.Equal(100, (await store.GetAccountAsync(liam))!.Balance);
        return 0;
    });

    [Fact]
    public async Task TheDatabaseRefusesToRewriteHistoryAndVerifyCatchesATamperedAmount()
    {
        var store = await LedgerStores.CreateAsync(Provider.Postgres, database, new ManualClock());
        try
        {
            var nina = await store.WalletAsync(Id("nina"), 100);
            await store.TransferAsync(new(Id("x1"), nina, SystemAccounts.Treasury, 10, TransferCodes.Payment));

            var update = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => database.ExecuteAsync($"UPDATE ledger.transfers SET amount = 1 WHERE transfer_id = '{Id("x1")}'"));
            Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => database.ExecuteAsync($"DELETE FROM ledger.transfers WHERE transfer_id = '{Id("x1")}'"));
            Assert.True((await store.VerifyAsync()).Valid);

            // Someone with the owner's rights goes around the trigger: the chain shows where.
            await database.ExecuteAsync($"""
                ALTER TABLE ledger.transfers DISABLE TRIGGER transfers_append_only;
                UPDATE ledger.transfers SET amount = 11 WHERE transfer_id = '{Id("x1")}';
                UPDATE ledger.accounts SET debits_posted = debits_posted + 1 WHERE account_id = '{nina}';
                ALTER TABLE ledger.transfers ENABLE TRIGGER transfers_append_only;
                """);
            var tampered = await store.VerifyAsync();
            Assert.False(tampered.ChainValid);
            Assert.NotNull(tampered.FirstBadSequence);
            Assert.NotEqual(0, tampered.SumOfBalances);

            await database.ExecuteAsync($"""
                ALTER TABLE ledger.transfers DISABLE TRIGGER transfers_append_only;
                UPDATE ledger.transfers SET amount = 10 WHERE transfer_id = '{Id("x1")}';
                UPDATE ledger.accounts SET debits_posted = debits_posted - 1 WHERE account_id = '{nina}';
                ALTER TABLE ledger.transfers ENABLE TRIGGER transfers_append_only;
                """);
            Assert.True((await store.VerifyAsync()).Valid);
        }
        finally
        {
            await LedgerStores.DisposeAsync(store);
        }
    }
}
