using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The double-entry engine's rules, decided in memory (the in-memory store runs the same engine PostgreSQL does).</summary>
public sealed class LedgerEngineTests : IDisposable
{
    private readonly Books _books = new();

    public void Dispose() => _books.Dispose();

    [Fact]
    public async Task ATransferDebitsOneSideCreditsTheOtherAndTheBooksSumToZero()
    {
        var alice = await _books.OpenAsync("alice", issued: 1_000);
        var bob = await _books.OpenAsync("bob");

        Assert.Equal(TransferResult.Created, await _books.PayAsync("lunch", alice, bob, 300));

        var a = await _books.AccountAsync(alice);
        Assert.Equal((1_000L, 300L, 700L), (a.CreditsPosted, a.DebitsPosted, a.Balance));
        Assert.Equal(300, await _books.BalanceAsync(bob));
        Assert.Equal(-1_000, await _books.BalanceAsync(SystemAccounts.Treasury)); // the one account without rules: it issues, so it goes negative
        var verification = await _books.Store.VerifyAsync();
        Assert.Equal((2L, 0L), (verification.Transfers, verification.SumOfBalances));
        Assert.True(verification.Valid);
    }

    [Fact]
    public async Task AWalletCannotOverdrawAndItsPendingReservationsCountAgainstIt()
    {
        var carol = await _books.OpenAsync("carol", issued: 100);
        var dave = await _books.OpenAsync("dave");
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(new("hold", carol, dave, 70, TransferCodes.Payment, TransferKind.Pending)));

        Assert.Equal(TransferResult.ExceedsCredits, await _books.PayAsync("too-much", carol, dave, 31));
        Assert.Equal(TransferResult.Created, await _books.PayAsync("just-enough", carol, dave, 30));

        var c = await _books.AccountAsync(carol);
        Assert.Equal((30L, 70L, 100L), (c.DebitsPosted, c.DebitsPending, c.CreditsPosted));
        Assert.Equal((30L, 70L), ((await _books.AccountAsync(dave)).CreditsPosted, (await _books.AccountAsync(dave)).CreditsPending));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task AnAccountWhoseCreditsMayNotExceedItsDebitsRefusesTheExcess()
    {
        var limit = await _books.OpenAsync("limit", rules: BalanceRules.CreditsMustNotExceedDebits);
        var erin = await _books.OpenAsync("erin", issued: 100);
        Assert.Equal(TransferResult.Created, await _books.PayAsync("advance", limit, erin, 50)); // no debit rule: limit goes to -50

        Assert.Equal(TransferResult.Created, await _books.MoveAsync(new("repay-held", erin, limit, 20, TransferCodes.Payment, TransferKind.Pending)));
        Assert.Equal(TransferResult.ExceedsDebits, await _books.PayAsync("repay-all", erin, limit, 31));
        Assert.Equal(TransferResult.Created, await _books.PayAsync("repay-rest", erin, limit, 30));

        var l = await _books.AccountAsync(limit);
        Assert.Equal((50L, 30L, 20L), (l.DebitsPosted, l.CreditsPosted, l.CreditsPending));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task MissingAccountsAndMismatchedCurrenciesAreRefusedAndTheRefusalIsRecorded()
    {
        var frank = await _books.OpenAsync("frank", issued: 10);
        var dollars = await _books.OpenAsync("dollars", rules: BalanceRules.None, currency: "USD");

        Assert.Equal(TransferResult.DebitAccountNotFound, await _books.PayAsync("x1", "nobody", frank, 1));
        Assert.Equal(TransferResult.CreditAccountNotFound, await _books.PayAsync("x2", frank, "nobody", 1));
        Assert.Equal(TransferResult.AccountsMustHaveTheSameCurrency, await _books.PayAsync("x3", frank, dollars, 1));
        Assert.Equal(TransferResult.TransferMustHaveTheSameCurrencyAsAccounts,
            await _books.MoveAsync(new("x4", frank, SystemAccounts.Treasury, 1, TransferCodes.Payment, Currency: "USD")));

        Assert.Equal(TransferResult.CreditAccountNotFound, (await _books.Store.GetTransferAsync("x2"))!.Result);
        Assert.Null((await _books.Store.GetTransferAsync("x2"))!.Transfer);
        Assert.Null(await _books.Store.GetTransferAsync("never-sent"));
        Assert.Equal(10, await _books.BalanceAsync(frank));
        Assert.Single(_books.Store.Chain); // only the issuance: refusals never enter the chain
    }

    [Fact]
    public async Task ALinkedBatchAppliesNothingWhenOneFailsAndItsRetryAnswersTheSame()
    {
        var grace = await _books.OpenAsync("grace", issued: 100);
        var heidi = await _books.OpenAsync("heidi");
        Assert.Equal(TransferResult.Created, await _books.PayAsync("earlier", grace, heidi, 5));
        var chainBefore = _books.Store.Chain.Count;
        TransferRequest[] batch =
        [
            new("earlier", grace, heidi, 5, TransferCodes.Payment), // recorded before: keeps its own outcome
            new("l1", grace, heidi, 60, TransferCodes.Payment),
            new("l2", grace, heidi, 60, TransferCodes.Payment), // the second 60 overdraws grace (95 left)
            new("l3", heidi, grace, 1, TransferCodes.Payment),
        ];

        var first = (await _books.Store.SubmitAsync(batch)).Select(o => o.Result).ToList();
        var retry = (await _books.Store.SubmitAsync(batch)).Select(o => o.Result).ToList();

        Assert.Equal([TransferResult.Exists, TransferResult.LinkedEventFailed, TransferResult.ExceedsCredits, TransferResult.LinkedEventFailed], first);
        Assert.Equal(first, retry);
        Assert.Equal(chainBefore, _books.Store.Chain.Count);
        Assert.Equal((95L, 5L), (await _books.BalanceAsync(grace), await _books.BalanceAsync(heidi)));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task ALaterTransferOfABatchMaySpendWhatAnEarlierOneBrought()
    {
        var ivan = await _books.OpenAsync("ivan", issued: 10);
        var judy = await _books.OpenAsync("judy");
        var ken = await _books.OpenAsync("ken");

        var outcomes = await _books.Store.SubmitAsync(
        [
            new TransferRequest("chain-1", ivan, judy, 10, TransferCodes.Payment),
            new TransferRequest("chain-2", judy, ken, 10, TransferCodes.Payment),
        ]);

        Assert.All(outcomes, o => Assert.Equal(TransferResult.Created, o.Result));
        Assert.Equal(outcomes[0].Transfer!.Sequence + 1, outcomes[1].Transfer!.Sequence);
        Assert.Equal((0L, 0L, 10L), (await _books.BalanceAsync(ivan), await _books.BalanceAsync(judy), await _books.BalanceAsync(ken)));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task APendingTransferPostedWithoutAnAmountPostsInFullWithItsOwnAccountsAndCode()
    {
        var liam = await _books.OpenAsync("liam", issued: 100);
        var mia = await _books.OpenAsync("mia");
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(new("order", liam, mia, 80, TransferCodes.InferencePayment, TransferKind.Pending)));

        var post = (await _books.Store.SubmitAsync([new TransferRequest("order:post", "", "", 0, 0, TransferKind.Post, "order")]))[0];

        Assert.Equal(TransferResult.Created, post.Result);
        Assert.Equal((liam, mia, 80L, TransferCodes.InferencePayment), (post.Transfer!.DebitAccountId, post.Transfer.CreditAccountId, post.Transfer.Amount, post.Transfer.Code));
        var l = await _books.AccountAsync(liam);
        Assert.Equal((0L, 80L, 20L), (l.DebitsPending, l.DebitsPosted, l.Balance));
        Assert.Equal(80, await _books.BalanceAsync(mia));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task APartialPostReleasesTheRestAndNothingResolvesThePendingTransferTwice()
    {
        var nina = await _books.OpenAsync("nina", issued: 100);
        var oscar = await _books.OpenAsync("oscar");
        await _books.MoveAsync(new("hold", nina, oscar, 80, TransferCodes.Payment, TransferKind.Pending));

        Assert.Equal(TransferResult.ExceedsPendingTransferAmount, await _books.ResolveAsync("post-81", TransferKind.Post, "hold", 81));
        Assert.Equal(TransferResult.Created, await _books.ResolveAsync("post-50", TransferKind.Post, "hold", 50));
        Assert.Equal(TransferResult.PendingTransferAlreadyPosted, await _books.ResolveAsync("post-again", TransferKind.Post, "hold", 10));
        Assert.Equal(TransferResult.PendingTransferAlreadyPosted, await _books.ResolveAsync("void-late", TransferKind.Void, "hold"));

        var n = await _books.AccountAsync(nina);
        Assert.Equal((0L, 50L, 50L), (n.DebitsPending, n.DebitsPosted, n.Balance));
        var o = await _books.AccountAsync(oscar);
        Assert.Equal((0L, 50L), (o.CreditsPending, o.Balance));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task AVoidReleasesTheWholeReservationAndOnlyAMatchingResolutionIsAccepted()
    {
        var peggy = await _books.OpenAsync("peggy", issued: 100);
        var quinn = await _books.OpenAsync("quinn");
        await _books.MoveAsync(new("hold", peggy, quinn, 40, TransferCodes.Payment, TransferKind.Pending));
        await _books.PayAsync("plain", peggy, quinn, 1);

        Assert.Equal(TransferResult.PendingTransferNotFound, await _books.ResolveAsync("r1", TransferKind.Post, "no-such-hold"));
        Assert.Equal(TransferResult.PendingTransferNotPending, await _books.ResolveAsync("r2", TransferKind.Post, "plain"));
        Assert.Equal(TransferResult.PendingTransferHasDifferentAccounts, await _books.MoveAsync(new("r3", quinn, peggy, 0, 0, TransferKind.Post, "hold")));
        Assert.Equal(TransferResult.TransferMustHaveTheSameCurrencyAsAccounts, await _books.MoveAsync(new("r4", "", "", 0, 0, TransferKind.Post, "hold", Currency: "USD")));
        Assert.Equal(TransferResult.ExceedsPendingTransferAmount, await _books.ResolveAsync("r5", TransferKind.Void, "hold", 39)); // a void takes all or names nothing
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(new("r6", peggy, quinn, 40, 0, TransferKind.Void, "hold"))); // naming the right accounts is fine
        Assert.Equal(TransferResult.PendingTransferAlreadyVoided, await _books.ResolveAsync("r7", TransferKind.Post, "hold"));

        var p = await _books.AccountAsync(peggy);
        Assert.Equal((0L, 99L), (p.DebitsPending, p.Balance));
        Assert.Equal(TransferKind.Void, _books.Store.Chain[^1].Kind);
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task APendingTransferPastItsTimeoutIsRefusedAtOnceAndReleasedByExpiry()
    {
        var rita = await _books.OpenAsync("rita", issued: 100);
        var sam = await _books.OpenAsync("sam");
        await _books.MoveAsync(new("short", rita, sam, 30, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 30));
        await _books.MoveAsync(new("long", rita, sam, 20, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 300));
        await _books.MoveAsync(new("open-ended", rita, sam, 10, TransferCodes.Payment, TransferKind.Pending));
        Assert.Equal(Books.Start.AddSeconds(30), _books.Store.Chain.Single(t => t.TransferId == "short").ExpiresAt);
        Assert.Null(_books.Store.Chain.Single(t => t.TransferId == "open-ended").ExpiresAt);

        _books.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await _books.Store.ExpirePendingAsync(100));
        _books.Clock.Advance(TimeSpan.FromSeconds(1)); // the timeout is reached: from now on the pending transfer is over
        Assert.Equal(TransferResult.PendingTransferExpired, await _books.ResolveAsync("short:post", TransferKind.Post, "short"));
        Assert.Equal(60, (await _books.AccountAsync(rita)).DebitsPending); // refused, not yet released

        Assert.Equal(1, await _books.Store.ExpirePendingAsync(100));
        Assert.Equal(0, await _books.Store.ExpirePendingAsync(100));
        var expiry = _books.Store.Chain[^1];
        Assert.Equal((TransferKind.Expire, TransferValidation.ReservedPrefix + "short", "short", 30L), (expiry.Kind, expiry.TransferId, expiry.PendingId, expiry.Amount));
        Assert.Equal(TransferResult.PendingTransferExpired, await _books.ResolveAsync("short:void", TransferKind.Void, "short"));
        Assert.Equal(30, (await _books.AccountAsync(rita)).DebitsPending);

        _books.Clock.Advance(TimeSpan.FromDays(400)); // no timeout: never expires
        Assert.Equal(1, await _books.Store.ExpirePendingAsync(100));
        Assert.Equal(TransferResult.Created, await _books.ResolveAsync("open-ended:post", TransferKind.Post, "open-ended"));
        Assert.Equal((0L, 90L), ((await _books.AccountAsync(rita)).DebitsPending, await _books.BalanceAsync(rita)));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task ExpiryReleasesNoMoreThanItsLimitAtATime()
    {
        var tara = await _books.OpenAsync("tara", issued: 100);
        for (var i = 0; i < 5; i++)
        {
            await _books.MoveAsync(new($"hold-{i}", tara, SystemAccounts.Treasury, 1, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 1));
        }

        _books.Clock.Advance(TimeSpan.FromSeconds(2));
        var released = new List<int>();
        for (var round = 0; round < 4; round++)
        {
            released.Add(await _books.Store.ExpirePendingAsync(2));
        }

        Assert.Equal([2, 2, 1, 0], released);
        Assert.Equal(0, (await _books.AccountAsync(tara)).DebitsPending);
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task AnIdAnswersItsFirstOutcomeForeverAndRefusesAnotherBody()
    {
        var uma = await _books.OpenAsync("uma", issued: 100);
        var victor = await _books.OpenAsync("victor");
        var request = new TransferRequest("t1", uma, victor, 30, TransferCodes.Payment, Reference: "rent");

        var first = (await _books.Store.SubmitAsync([request]))[0];
        var retry = (await _books.Store.SubmitAsync([request]))[0];

        Assert.Equal((TransferResult.Created, TransferResult.Exists), (first.Result, retry.Result));
        Assert.True(retry.Applied);
        Assert.Equal(first.Transfer, retry.Transfer);
        Assert.Equal(TransferResult.ExistsWithDifferentFields, await _books.MoveAsync(request with { Amount = 31 }));
        Assert.Equal(TransferResult.ExistsWithDifferentFields, await _books.MoveAsync(request with { Reference = "rent, again" }));
        Assert.Equal(70, await _books.BalanceAsync(uma));

        // A refusal is the id's outcome too: money arriving later does not change it.
        var tooMuch = new TransferRequest("t2", uma, victor, 71, TransferCodes.Payment);
        Assert.Equal(TransferResult.ExceedsCredits, await _books.MoveAsync(tooMuch));
        await _books.MoveAsync(new("top-up", SystemAccounts.Treasury, uma, 1_000, TransferCodes.Issuance));
        Assert.Equal(TransferResult.ExceedsCredits, await _books.MoveAsync(tooMuch));
        Assert.Equal(TransferResult.ExistsWithDifferentFields, await _books.MoveAsync(tooMuch with { Amount = 70 }));
        Assert.Equal(1_070, await _books.BalanceAsync(uma));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task OnlyOneMirroredReversalOfAPostedTransferCorrectsIt()
    {
        var wendy = await _books.OpenAsync("wendy", issued: 100);
        var xavier = await _books.OpenAsync("xavier");
        await _books.PayAsync("oops", wendy, xavier, 40);
        await _books.MoveAsync(new("held", wendy, xavier, 10, TransferCodes.Payment, TransferKind.Pending));

        TransferRequest Reversal(string id, string of, long amount = 40, string debit = "xavier", string credit = "wendy") =>
            new(id, debit, credit, amount, TransferCodes.Payment, ReversesId: of);
        Assert.Equal(TransferResult.ReversedTransferNotFound, await _books.MoveAsync(Reversal("rev-0", "nothing")));
        Assert.Equal(TransferResult.ReversalOfUnpostedTransfer, await _books.MoveAsync(Reversal("rev-1", "held", 10)));
        Assert.Equal(TransferResult.ReversalMustMirrorOriginal, await _books.MoveAsync(Reversal("rev-2", "oops", 39)));
        Assert.Equal(TransferResult.ReversalMustMirrorOriginal, await _books.MoveAsync(Reversal("rev-3", "oops", debit: "wendy", credit: "xavier")));
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(Reversal("rev-4", "oops")));
        Assert.Equal(TransferResult.AlreadyReversed, await _books.MoveAsync(Reversal("rev-5", "oops")));

        // A posted pending transfer is reversed like any other posted one.
        await _books.ResolveAsync("held:post", TransferKind.Post, "held");
        Assert.Equal(TransferResult.Created, await _books.MoveAsync(Reversal("rev-6", "held:post", 10)));
        Assert.Equal((100L, 0L), (await _books.BalanceAsync(wendy), await _books.BalanceAsync(xavier)));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task NoBalanceEverPassesTheLargestInteger()
    {
        var issuer = await _books.OpenAsync("issuer", rules: BalanceRules.None);
        var sink = await _books.OpenAsync("sink", rules: BalanceRules.None);
        var yara = await _books.OpenAsync("yara", issued: 10);

        Assert.Equal(TransferResult.Created, await _books.MoveAsync(new("max", issuer, sink, long.MaxValue, TransferCodes.Issuance)));
        Assert.Equal(TransferResult.OverflowsBalance, await _books.PayAsync("one-more", yara, sink, 1));
        Assert.Equal(TransferResult.OverflowsBalance, await _books.MoveAsync(new("one-more-held", yara, sink, 1, TransferCodes.Payment, TransferKind.Pending)));
        Assert.Equal(TransferResult.OverflowsBalance, await _books.MoveAsync(new("debit-past-max", issuer, yara, 1, TransferCodes.Payment)));

        Assert.Equal((long.MaxValue, 10L), (await _books.BalanceAsync(sink), await _books.BalanceAsync(yara)));
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task AccountsAreCreatedOnceByIdAndTheSystemAccountsExistFromTheStart()
    {
        foreach (var spec in SystemAccounts.All)
        {
            var existing = await _books.Store.GetAccountAsync(spec.AccountId);
            Assert.Equal((spec.Kind, spec.Flags, 0L), (existing!.Kind, existing.Flags, existing.Balance));
        }

        var spec1 = SystemAccounts.Wallet(SystemAccounts.Relay("r1"), AccountKind.Relay);
        Assert.Equal(CreateAccountStatus.Created, (await _books.Store.CreateAccountAsync(spec1)).Status);
        Assert.Equal(CreateAccountStatus.Exists, (await _books.Store.CreateAccountAsync(spec1)).Status);
        var other = await _books.Store.CreateAccountAsync(spec1 with { Kind = AccountKind.Trainer });
        Assert.Equal((CreateAccountStatus.ExistsWithDifferentFields, AccountKind.Relay), (other.Status, other.Account.Kind));
        Assert.Equal(Books.Start, (await _books.AccountAsync("relay:r1")).CreatedAt);
    }

    [Fact]
    public async Task AnApiKeyBindsOnlyToAnAccountThatExists()
    {
        var zoe = await _books.OpenAsync("zoe");
        byte[] key = [1, 2, 3];

        Assert.False(await _books.Store.AddApiKeyAsync(key, "nobody"));
        Assert.Null(await _books.Store.FindApiKeyAsync(key));
        Assert.True(await _books.Store.AddApiKeyAsync(key, zoe));
        Assert.Equal(zoe, await _books.Store.FindApiKeyAsync([1, 2, 3]));
    }

    [Fact]
    public void TheEngineDecidesOverAnyViewAndLeavesTheWritingToItsStore()
    {
        var view = new FixedView(
            new Account("a", AccountKind.Player, BalanceRules.DebitsMustNotExceedCredits, Mcp.Currency, 0, 50, 0, 0, Books.Start),
            new Account("b", AccountKind.Player, BalanceRules.DebitsMustNotExceedCredits, Mcp.Currency, 0, 0, 0, 0, Books.Start));
        var engine = new LedgerEngine(view, ChainHead.Empty, Books.Start);

        var outcomes = engine.Submit([new TransferRequest("ok", "a", "b", 20, TransferCodes.Payment)]);
        var refused = engine.Submit([new TransferRequest("no", "a", "b", 31, TransferCodes.Payment)]);

        Assert.Equal((TransferResult.Created, TransferResult.ExceedsCredits), (outcomes[0].Result, refused[0].Result));
        Assert.Equal(["ok"], engine.Applied.Select(a => a.Transfer.TransferId));
        Assert.Equal([("no", TransferResult.ExceedsCredits)], engine.Rejected.Select(r => (r.Request.TransferId, r.Result)));
        Assert.Equal([("a", 30L), ("b", 20L)], engine.ChangedAccounts.OrderBy(a => a.AccountId, StringComparer.Ordinal).Select(a => (a.AccountId, a.Balance)));
        Assert.Equal((1L, engine.Applied[0].Transfer.Hash), (engine.Head.Sequence, engine.Head.Hash));
        Assert.Equal(50, view.FindAccount("a")!.Balance); // the view is read, never written
    }

    /// <summary>A view of a few accounts and nothing else: no transfer recorded, nothing resolved or reversed.</summary>
    private sealed class FixedView(params Account[] accounts) : ILedgerView
    {
        public Account? FindAccount(string accountId) => accounts.FirstOrDefault(a => a.AccountId == accountId);

        public RecordedOutcome? FindOutcome(string transferId) => null;

        public Transfer? FindTransfer(string transferId) => null;

        public TransferKind? FindResolution(string pendingId) => null;

        public bool IsReversed(string transferId) => false;
    }
}
