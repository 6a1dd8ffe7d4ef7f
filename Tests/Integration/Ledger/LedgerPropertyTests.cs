using OrleansGoRelay.Ledger;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>Random transfer sequences, run in lockstep on PostgreSQL and in memory.</summary>
public sealed class LedgerPropertyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomSequencesKeepBalancesSummingToZeroFlagsHeldAndRetriesStable(int seed)
    {
        // A database of its own: the two stores must hold exactly the same ledger for their answers to be compared.
        var database = new PostgresDatabase();
        await database.InitializeAsync();
        var clock = new ManualClock();
        var postgres = await LedgerStores.CreateAsync(Provider.Postgres, database, clock);
        var memory = await LedgerStores.CreateAsync(Provider.InMemory, database, clock);
        var random = new Random(seed);
        var prefix = $"s{seed}-{Guid.NewGuid():N}"[..16];
        try
        {
            var accounts = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var spec = new AccountSpec($"{prefix}-a{i}", AccountKind.Player, i == 5 ? BalanceRules.CreditsMustNotExceedDebits : BalanceRules.DebitsMustNotExceedCredits);
                await postgres.CreateAccountAsync(spec);
                await memory.CreateAccountAsync(spec);
                accounts.Add(spec.AccountId);
            }

            // Each run issues from its own treasury-like account, so the accounts it checks sum to zero by themselves.
            var issuer = new AccountSpec($"{prefix}-issuer", AccountKind.Treasury, BalanceRules.None);
            await postgres.CreateAccountAsync(issuer);
            await memory.CreateAccountAsync(issuer);
            accounts.Add(issuer.AccountId);
            var submitted = new List<(IReadOnlyList<TransferRequest> Batch, IReadOnlyList<TransferResult> Results)>();
            var pendings = new List<string>();
            for (var step = 0; step < 400; step++)
            {
                var batch = NextBatch(random, accounts, pendings, submitted, $"{prefix}-{step}");
                var fromPostgres = (await postgres.SubmitAsync(batch)).Select(o => o.Result).ToList();
                var fromMemory = (await memory.SubmitAsync(batch)).Select(o => o.Result).ToList();
                Assert.Equal(fromMemory, fromPostgres);
                submitted.Add((batch, fromPostgres));
                pendings.AddRange(batch.Where((r, i) => r.Kind == TransferKind.Pending && fromPostgres[i] == TransferResult.Created).Select(r => r.TransferId));
                if (random.Next(25) == 0)
                {
                    clock.Advance(TimeSpan.FromSeconds(random.Next(1, 20)));
                    Assert.Equal(await memory.ExpirePendingAsync(1000), await postgres.ExpirePendingAsync(1000));
                }

                if (step % 20 == 0 || step == 399)
                {
                    await AssertInvariantsAsync(postgres, accounts);
                }
            }

            // Every earlier request, resubmitted as it was, answers as it did (created becomes exists).
            foreach (var (batch, results) in submitted)
            {
                var again = (await postgres.SubmitAsync(batch)).Select(o => o.Result).ToList();
                Assert.Equal(results.Select(r => r == TransferResult.Created ? TransferResult.Exists : r), again);
            }

            var verification = await postgres.VerifyAsync();
            Assert.True(verification.Valid, verification.ToString());
            Assert.True((await memory.VerifyAsync()).Valid);
            Assert.Contains(submitted, s => s.Results.Contains(TransferResult.ExceedsCredits));
            Assert.Contains(submitted, s => s.Results.Contains(TransferResult.Created) && s.Batch.Count > 1);
        }
        finally
        {
            await LedgerStores.DisposeAsync(postgres);
            await LedgerStores.DisposeAsync(memory);
            await database.DisposeAsync();
        }
    }

    private static IReadOnlyList<TransferRequest> NextBatch(Random random, List<string> accounts, List<string> pendings,
        List<(IReadOnlyList<TransferRequest> Batch, IReadOnlyList<TransferResult> Results)> submitted, string id)
    {
        var roll = random.Next(100);
        if (roll < 8 && submitted.Count > 0)
        {
            return submitted[random.Next(submitted.Count)].Batch; // a retry
        }

        if (roll < 12 && submitted.Count > 0)
        {
            var old = submitted[random.Next(submitted.Count)].Batch[0];
            return [old with { Reference = "changed" }]; // the same id with another body
        }

        if (roll < 22 && pendings.Count > 0)
        {
            var pending = pendings[random.Next(pendings.Count)];
            var post = random.Next(2) == 0;
            return [new TransferRequest(id, "", "", post ? random.Next(0, 40) : 0, 0, post ? TransferKind.Post : TransferKind.Void, pending)];
        }

        var count = roll < 32 ? random.Next(2, 4) : 1;
        return [.. Enumerable.Range(0, count).Select(i => RandomTransfer(random, accounts, $"{id}-{i}"))];
    }

    private static TransferRequest RandomTransfer(Random random, List<string> accounts, string id)
    {
        var debit = accounts[random.Next(accounts.Count)];
        var credit = accounts[random.Next(accounts.Count)];
        while (credit == debit)
        {
            credit = accounts[random.Next(accounts.Count)];
        }

        var pending = random.Next(5) == 0;
        return new TransferRequest(id, debit, credit, random.Next(1, 60), TransferCodes.Payment, pending ? TransferKind.Pending : TransferKind.Immediate,
            TimeoutSeconds: pending ? random.Next(0, 30) : 0);
    }

    private static async Task AssertInvariantsAsync(ILedgerStore store, List<string> ids)
    {
        long sum = 0;
        foreach (var id in ids)
        {
            var a = (await store.GetAccountAsync(id))!;
            sum += a.Balance;
            if (a.Flags.HasFlag(BalanceRules.DebitsMustNotExceedCredits))
            {
                Assert.True(a.DebitsPosted + a.DebitsPending <= a.CreditsPosted, $"{id} broke debits_must_not_exceed_credits: {a}");
            }

            if (a.Flags.HasFlag(BalanceRules.CreditsMustNotExceedDebits))
            {
                Assert.True(a.CreditsPosted + a.CreditsPending <= a.DebitsPosted, $"{id} broke credits_must_not_exceed_debits: {a}");
            }
        }

        Assert.Equal(0, sum);
    }
}
