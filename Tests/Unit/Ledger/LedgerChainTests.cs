using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The hash chain over applied transfers, and what the verifier finds when someone rewrites history.</summary>
public sealed class LedgerChainTests : IDisposable
{
    private readonly Books _books = new();

    public void Dispose() => _books.Dispose();

    /// <summary>A small ledger: issuance, payments, a pending transfer posted in part, one refusal.</summary>
    private async Task<IReadOnlyList<Transfer>> HistoryAsync()
    {
        var ann = await _books.OpenAsync("ann", issued: 500);
        var ben = await _books.OpenAsync("ben");
        await _books.PayAsync("p1", ann, ben, 100);
        _books.Clock.Advance(TimeSpan.FromSeconds(1));
        await _books.PayAsync("p2", ben, ann, 25);
        await _books.MoveAsync(new("hold", ann, ben, 50, TransferCodes.Payment, TransferKind.Pending, TimeoutSeconds: 60));
        await _books.ResolveAsync("hold:post", TransferKind.Post, "hold", 20);
        Assert.Equal(TransferResult.ExceedsCredits, await _books.PayAsync("refused", ben, ann, 1_000));
        return _books.Store.Chain;
    }

    private async Task<LedgerVerification> VerifyAsync(IEnumerable<Transfer> chain, Func<Account, Account>? tamperAccount = null)
    {
        var accounts = new List<Account>();
        foreach (var id in new[] { "ann", "ben" }.Concat(SystemAccounts.All.Select(s => s.AccountId)))
        {
            var account = await _books.AccountAsync(id);
            accounts.Add(tamperAccount?.Invoke(account) ?? account);
        }

        var last = _books.Store.Chain[^1];
        var verifier = new LedgerVerifier();
        foreach (var transfer in chain)
        {
            verifier.Add(transfer);
        }

        return verifier.Finish(accounts, new ChainHead(last.Sequence, last.Hash, last.CreatedAt));
    }

    [Fact]
    public async Task EveryTransferIsChainedToItsPredecessorAndRefusalsStayOutOfTheChain()
    {
        var chain = await HistoryAsync();

        Assert.Equal(["issue:ann", "p1", "p2", "hold", "hold:post"], chain.Select(t => t.TransferId));
        Assert.Equal([1L, 2, 3, 4, 5], chain.Select(t => t.Sequence));
        Assert.Equal(LedgerHashing.Genesis, chain[0].PreviousHash);
        for (var i = 0; i < chain.Count; i++)
        {
            Assert.Equal(LedgerHashing.ChainHash(chain[i], chain[i].PreviousHash), chain[i].Hash);
            Assert.Equal(32, chain[i].Hash.Length);
            if (i > 0)
            {
                Assert.Equal(chain[i - 1].Hash, chain[i].PreviousHash);
            }
        }

        Assert.True((await VerifyAsync(chain)).Valid);
    }

    [Fact]
    public async Task ChainTimesNeverRunBackwardsEvenWhenTheClockDoes()
    {
        var ann = await _books.OpenAsync("ann", issued: 10);
        _books.Clock.Advance(TimeSpan.FromMinutes(-5)); // this writer's clock is behind the last one's
        await _books.PayAsync("late", ann, SystemAccounts.Treasury, 1);

        var chain = _books.Store.Chain;
        Assert.Equal(chain[0].CreatedAt, chain[1].CreatedAt);
        await _books.AssertValidAsync();
    }

    [Fact]
    public async Task ATamperedAmountBreaksTheChainAtItsOwnSequenceAndTheBalancesNoLongerMatch()
    {
        var chain = await HistoryAsync();
        var forged = chain.Select(t => t.TransferId == "p1" ? t with { Amount = 1 } : t).ToList();

        var verification = await VerifyAsync(forged);

        Assert.False(verification.ChainValid);
        Assert.Equal(2, verification.FirstBadSequence);
        Assert.False(verification.BalancesMatchEntries);
        Assert.Equal(["ann", "ben"], verification.MismatchedAccounts.Order(StringComparer.Ordinal));
        Assert.False(verification.Valid);
    }

    [Fact]
    public async Task AForgeryThatRehashesItselfIsCaughtByItsSuccessor()
    {
        var chain = await HistoryAsync();
        var forged = chain.Select(t => t.TransferId == "p2" ? Rehashed(t with { CreditAccountId = SystemAccounts.Treasury }) : t).ToList();

        var verification = await VerifyAsync(forged);

        Assert.False(verification.ChainValid);
        Assert.Equal(4, verification.FirstBadSequence); // p2 (3) recomputes; hold (4) names the old hash
    }

    [Fact]
    public async Task ADroppedOrMissingTransferIsAGapInTheChain()
    {
        var chain = await HistoryAsync();

        var dropped = await VerifyAsync(chain.Where(t => t.TransferId != "p2"));
        Assert.False(dropped.ChainValid);
        Assert.Equal(4, dropped.FirstBadSequence); // the first link that fails: hold (4) comes where p2 (3) should

        var truncated = await VerifyAsync(chain.Take(chain.Count - 1)); // every link holds, but the head names a later transfer
        Assert.False(truncated.ChainValid);
        Assert.Equal(chain.Count - 1, truncated.FirstBadSequence);
    }

    [Fact]
    public async Task APostThatResolvesNothingOpenIsNotAValidHistory()
    {
        var chain = await HistoryAsync();
        var post = chain.Single(t => t.TransferId == "hold:post");
        var replayed = chain.Append(Rehashed(post with { Sequence = chain.Count + 1, TransferId = "hold:post-again", PreviousHash = chain[^1].Hash })).ToList();

        var verification = await VerifyAsync(replayed);

        Assert.False(verification.ChainValid);
        Assert.Equal(chain.Count + 1, verification.FirstBadSequence);
    }

    [Fact]
    public async Task CachedBalancesThatDisagreeWithTheEntriesAreNamedAndTheSumIsOff()
    {
        var chain = await HistoryAsync();

        var verification = await VerifyAsync(chain, a => a.AccountId == "ben" ? a with { CreditsPosted = a.CreditsPosted + 7 } : a);

        Assert.True(verification.ChainValid);
        Assert.False(verification.BalancesMatchEntries);
        Assert.Equal(["ben"], verification.MismatchedAccounts);
        Assert.Equal(7, verification.SumOfBalances);
    }

    [Fact]
    public void ARequestFingerprintChangesWithAnyFieldAndNoTwoFieldSplitsCollide()
    {
        var request = new TransferRequest("t", "ab", "c", 5, TransferCodes.Payment, Reference: "r");
        TransferRequest[] others =
        [
            request with { TransferId = "u" }, request with { DebitAccountId = "a", CreditAccountId = "bc" }, request with { Amount = 6 },
            request with { Code = TransferCodes.Issuance }, request with { Kind = TransferKind.Pending }, request with { Currency = "USD" },
            request with { Reference = null }, request with { Reference = "" }, request with { TimeoutSeconds = 1 }, request with { ReversesId = "x" },
            request with { PendingId = "p" },
        ];

        Assert.Equal(LedgerHashing.RequestHash(request), LedgerHashing.RequestHash(request with { }));
        var fingerprints = others.Select(o => Convert.ToHexString(LedgerHashing.RequestHash(o))).Append(Convert.ToHexString(LedgerHashing.RequestHash(request)));
        Assert.Equal(others.Length + 1, fingerprints.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void TimesAreHashedAtTheMicrosecondsPostgreSqlStores()
    {
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(1_234_567);

        var stored = LedgerHashing.ToStoredPrecision(time);

        Assert.Equal(TimeSpan.Zero, stored.Offset);
        Assert.Equal(time.UtcTicks - 7, stored.UtcTicks);
        Assert.Equal(stored, LedgerHashing.ToStoredPrecision(stored));
    }

    private static Transfer Rehashed(Transfer t) => t with { Hash = LedgerHashing.ChainHash(t, t.PreviousHash) };
}
