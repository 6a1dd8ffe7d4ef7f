using Microsoft.Extensions.Logging.Abstractions;
using OrleansGoRelay.Grains.Hosting;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Persistence.Migrations;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The two ledger stores every ledger semantic is tested on.</summary>
public enum Provider
{
    InMemory,
    Postgres,
}

/// <summary>Builds ledger stores on both providers over a migrated database.</summary>
public static class LedgerStores
{
    /// <summary>Both providers, for theories.</summary>
    public static TheoryData<Provider> Providers => new() { Provider.InMemory, Provider.Postgres };

    public static async Task<ILedgerStore> CreateAsync(Provider provider, PostgresDatabase database, TimeProvider clock)
    {
        if (provider == Provider.InMemory)
        {
            return new InMemoryLedgerStore(clock);
        }

        await new MigrationRunner(database.DataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync(GrainsSchema.Migrations, CancellationToken.None);
        await database.ExecuteAsync("TRUNCATE ledger.api_keys");
        return new PostgresLedgerStore(database.DataSource, clock);
    }

    public static async Task DisposeAsync(ILedgerStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    public static async Task<string> WalletAsync(this ILedgerStore store, string id, long funding = 0, string currency = Mcp.Currency)
    {
        await store.CreateAccountAsync(new AccountSpec(id, AccountKind.Player, BalanceRules.DebitsMustNotExceedCredits, currency));
        if (funding > 0)
        {
            var outcome = await store.SubmitAsync([new TransferRequest($"fund-{id}", SystemAccounts.Treasury, id, funding, TransferCodes.Issuance)]);
            Assert.Equal(TransferResult.Created, outcome[0].Result);
        }

        return id;
    }

    public static async Task<TransferResult> TransferAsync(this ILedgerStore store, TransferRequest request) => (await store.SubmitAsync([request]))[0].Result;
}
