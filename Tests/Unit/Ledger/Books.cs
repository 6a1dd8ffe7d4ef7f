using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>An in-memory ledger on a hand-moved clock, with the few moves the unit tests make again and again.</summary>
public sealed class Books : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public ManualClock Clock { get; } = new(Start);

    public InMemoryLedgerStore Store { get; }

    public Books() => Store = new InMemoryLedgerStore(Clock);

    public void Dispose() => Store.Dispose();

    /// <summary>Opens an account with the given rules and, when <paramref name="issued"/> is positive, issues it that much from the treasury.</summary>
    public async Task<string> OpenAsync(string id, long issued = 0, BalanceRules rules = BalanceRules.DebitsMustNotExceedCredits, string currency = Mcp.Currency)
    {
        var (status, _) = await Store.CreateAccountAsync(new AccountSpec(id, AccountKind.Player, rules, currency));
        Assert.Equal(CreateAccountStatus.Created, status);
        if (issued > 0)
        {
            Assert.Equal(TransferResult.Created, await MoveAsync(new TransferRequest("issue:" + id, SystemAccounts.Treasury, id, issued, TransferCodes.Issuance, Currency: currency)));
        }

        return id;
    }

    /// <summary>Submits one request alone and returns its result.</summary>
    public async Task<TransferResult> MoveAsync(TransferRequest request) => (await Store.SubmitAsync([request]))[0].Result;

    /// <summary>A plain payment.</summary>
    public Task<TransferResult> PayAsync(string id, string from, string to, long amount) => MoveAsync(new TransferRequest(id, from, to, amount, TransferCodes.Payment));

    /// <summary>Posts (amount 0: in full) or voids a pending transfer, naming neither account.</summary>
    public Task<TransferResult> ResolveAsync(string id, TransferKind kind, string pendingId, long amount = 0) =>
        MoveAsync(new TransferRequest(id, "", "", amount, 0, kind, pendingId));

    public async Task<Account> AccountAsync(string id) => await Store.GetAccountAsync(id) ?? throw new InvalidOperationException($"no account {id}");

    public async Task<long> BalanceAsync(string id) => (await AccountAsync(id)).Balance;

    /// <summary>Asserts the ledger verifies: chain intact, cached balances equal the entries, balances sum to zero.</summary>
    public async Task AssertValidAsync()
    {
        var verification = await Store.VerifyAsync();
        Assert.True(verification.Valid, verification.ToString());
    }
}
