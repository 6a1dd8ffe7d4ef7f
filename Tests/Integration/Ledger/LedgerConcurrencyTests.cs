using Microsoft.Extensions.DependencyInjection;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

public sealed class LedgerConcurrencyTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ParallelTransfersOnHotAccountsFromThreeSilosLoseNoUpdateAndNeverDeadlock()
    {
        await using var cluster = await Clusters.StartAsync(silos: 3, database);
        string[] hot = ["hot-a", "hot-b", "hot-c"];
        var ledger = cluster.Client.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        foreach (var id in hot)
        {
            await ledger.CreateAccount(SystemAccounts.Wallet(id, AccountKind.Player));
            Assert.Equal(TransferResult.Created, (await ledger.SubmitTransfers([new($"fund-{id}", SystemAccounts.Treasury, id, 1_000_000, TransferCodes.Issuance)]))[0].Result);
        }

        // 3 silos x 8 clients x 150 transfers, each moving 1..3 units around the three hot accounts in both
        // directions, with linked pairs mixed in, so every transaction locks two or more of the same rows.
        var expected = hot.ToDictionary(id => id, _ => 1_000_000L);
        var gate = new object();
        var work = cluster.Silos.SelectMany((silo, s) => Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            var grain = silo.ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
            var random = new Random(s * 100 + c);
            for (var i = 0; i < 150; i++)
            {
                var from = hot[random.Next(3)];
                var to = hot.First(h => h != from && random.Next(2) == 0 || h == hot[(Array.IndexOf(hot, from) + 1) % 3]);
                var amount = random.Next(1, 4);
                IReadOnlyList<TransferRequest> batch = i % 10 == 0
                    ? [new($"c-{s}-{c}-{i}-a", from, to, amount, TransferCodes.Payment), new($"c-{s}-{c}-{i}-b", to, from, 1, TransferCodes.Payment)]
                    : [new($"c-{s}-{c}-{i}", from, to, amount, TransferCodes.Payment)];
                var outcomes = await grain.SubmitTransfers(batch);
                Assert.All(outcomes, o => Assert.Equal(TransferResult.Created, o.Result));
                lock (gate)
                {
                    foreach (var r in batch)
                    {
                        expected[r.DebitAccountId] -= r.Amount;
                        expected[r.CreditAccountId] += r.Amount;
                    }
                }
            }
        }))).ToArray();

        var all = Task.WhenAll(work);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(3))));
        await all;

        foreach (var id in hot)
        {
            Assert.Equal(expected[id], (await ledger.GetAccount(id))!.Balance);
        }

        var verification = await ledger.Verify();
        Assert.True(verification.Valid, verification.ToString());
        Assert.Equal(3 + (3 * 8 * 150) + (3 * 8 * 15), verification.Transfers);
    }
}
