using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Marketplace;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The token economy's payments through the Marketplace grain on an in-memory cluster.</summary>
public sealed class MarketplaceEconomyTests
{
    [Fact]
    public async Task PaymentsGoThroughTheLedgerOnceAndSubsidiesOnlyWhileThePoolCoversThem()
    {
        await using var cluster = await Clusters.StartAsync(silos: 1);
        var market = cluster.Client.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        await market.SubmitTransfers([new("seed-rewards", SystemAccounts.Treasury, SystemAccounts.RewardPool, Mcp.Of(100), TransferCodes.Issuance)]);

        var reward = new GameRewardRequest("g1", "alice", "bob", GameClass.Teaching, 8_000, 9_000, 1_000);
        Assert.All(await market.RewardGame(reward), o => Assert.Equal(TransferResult.Created, o.Result));
        Assert.All(await market.RewardGame(reward), o => Assert.Equal(TransferResult.Exists, o.Result));
        Assert.Equal(25_800_000_000, (await market.GetAccount("player:alice"))!.Balance);
        Assert.Equal(Mcp.Of(100) - (2 * 25_800_000_000), (await market.GetAccount(SystemAccounts.RewardPool))!.Balance);

        // Subsidies: refused while the pool is empty, paid once funded, once per occasion.
        Assert.Equal(TransferResult.ExceedsCredits, (await market.PaySubsidy("r1", SubsidyReason.ModelImprovement, "model-1")).Result);
        await market.CreateAccount(SystemAccounts.Wallet("sponsor", AccountKind.Trainer));
        await market.SubmitTransfers([new("seed-sponsor", SystemAccounts.Treasury, "sponsor", Mcp.Of(1), TransferCodes.Issuance)]);
        Assert.Equal(TransferResult.Created, (await market.FundSubsidyPool("f1", "sponsor", Mcp.Unit)).Result);
        Assert.Equal(TransferResult.Created, (await market.PaySubsidy("r1", SubsidyReason.ModelImprovement, "model-2")).Result);
        Assert.Equal(TransferResult.Exists, (await market.PaySubsidy("r1", SubsidyReason.ModelImprovement, "model-2")).Result);
        Assert.Equal(TransferResult.Created, (await market.PaySubsidy("r1", SubsidyReason.HighQualityData, "batch-1")).Result);
        Assert.Equal(600_000_000, (await market.GetAccount("relay:r1"))!.Balance);
        Assert.Equal(400_000_000, (await market.GetAccount(SystemAccounts.SubsidyPool))!.Balance);

        // An API payment: the client pays 1,000 units, split exactly.
        await market.CreateAccount(SystemAccounts.Wallet("client-x", AccountKind.ApiClient));
        await market.SubmitTransfers([new("seed-client", SystemAccounts.Treasury, "client-x", 1_000, TransferCodes.Issuance)]);
        var split = await market.PayForInference(new InferencePaymentRequest("pay-1", "client-x", 1_000, ["alice", "bob", "carol"], ["r1", "r2"], ["t1"]));
        Assert.All(split, o => Assert.Equal(TransferResult.Created, o.Result));
        Assert.Equal(0, (await market.GetAccount("client-x"))!.Balance);
        Assert.Equal(101, (await market.GetAccount(SystemAccounts.Treasury))!.CreditsPosted);
        Assert.True((await market.Verify()).Valid);
    }
}
