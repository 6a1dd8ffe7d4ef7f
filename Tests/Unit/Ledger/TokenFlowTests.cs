using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Flows;

namespace OrleansGoRelay.Tests.Ledger;

/// <summary>The dashboard's token flow from ledger transfers: which movements count, and how they fall into buckets.</summary>
public sealed class TokenFlowTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static long _sequence;

    private static Transfer At(int seconds, int code, long amount, TransferKind kind = TransferKind.Immediate, string? reverses = null) =>
        new(++_sequence, $"t{_sequence}", kind, "a", "b", amount, Mcp.Currency, code, kind is TransferKind.Post or TransferKind.Void ? "p" : null, reverses, null, 0, null,
            Start.AddSeconds(seconds), new byte[32], new byte[32]);

    [Fact]
    public void BucketsStartOnMultiplesOfTheirLengthSinceTheEpoch()
    {
        Assert.Equal(Start, TokenFlows.BucketOf(Start.AddSeconds(59.9), Minute));
        Assert.Equal(Start.AddMinutes(1), TokenFlows.BucketOf(Start.AddSeconds(60), Minute));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero), TokenFlows.BucketOf(Start, TimeSpan.FromDays(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenFlows.BucketOf(Start, TimeSpan.Zero));
    }

    [Fact]
    public void OnlyMovedMoneyCountsAndAReversalCountsAgainstItsCode()
    {
        var transfers = new[]
        {
            At(1, TransferCodes.InferencePayment, 1_000),                         // a channel's escrow: revenue once split
            At(2, TransferCodes.RevenueData, 400),
            At(2, TransferCodes.RevenueTreasury, 100),
            At(3, TransferCodes.SubsidyHighQualityData, 500, TransferKind.Pending), // a hold moves nothing yet
            At(4, TransferCodes.SubsidyHighQualityData, 500, TransferKind.Post),    // its post does
            At(5, TransferCodes.StampDeposit, 70, TransferKind.Void),               // a void never moved anything
            At(6, TransferCodes.GameReward, 250),
            At(70, TransferCodes.GameReward, 250, reverses: "t-reward"),            // corrected in the next minute
            At(8, TransferCodes.Issuance, 1_000_000),                               // not a flow the dashboard draws
            At(-30, TransferCodes.StampBurn, 9),                                    // before the window
        };
        var flows = TokenFlows.Sum(transfers, Start, Minute);

        Assert.DoesNotContain(flows, f => f.Code is TransferCodes.Issuance or TransferCodes.InferencePayment or TransferCodes.StampDeposit or TransferCodes.StampBurn);
        Assert.Equal(new CodeFlow(Start, TransferCodes.SubsidyHighQualityData, 500, 1), flows.Single(f => f.Code == TransferCodes.SubsidyHighQualityData));
        Assert.Equal(new CodeFlow(Start.AddMinutes(1), TransferCodes.GameReward, -250, 1), flows.Single(f => f.Code == TransferCodes.GameReward && f.BucketStart > Start));

        var report = TokenFlows.Report(flows, Start, Start.AddMinutes(2).AddSeconds(5), Minute);
        Assert.Equal(3, report.Buckets.Count); // 12:00, 12:01, 12:02 — the empty one too
        Assert.Equal(0, report.Totals.Rewards);
        Assert.Equal(250, report.Buckets[0].Rewards);
        Assert.Equal(-250, report.Buckets[1].Rewards);
        Assert.Equal((500L, 400L, 500L), (report.Totals.InferenceRevenue, report.Totals.DataShare, report.Totals.Subsidies));
        Assert.Equal(new TokenFlowBucket(Start.AddMinutes(2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), report.Buckets[2]);
    }

    [Fact]
    public void EveryCodeOfTheFlowLandsInExactlyOneColumnAndTheSharesMakeTheRevenue()
    {
        int[] shares = [TransferCodes.RevenueData, TransferCodes.RevenueRelay, TransferCodes.RevenueTrainer, TransferCodes.RevenueTreasury];
        foreach (var code in TokenFlows.Codes)
        {
            var report = TokenFlows.Report([new CodeFlow(Start, code, 7, 1)], Start, Start, Minute);
            var t = report.Totals;
            var columns = new[] { t.Rewards, t.Subsidies, t.DataShare, t.RelayShare, t.TrainerShare, t.TreasuryShare, t.Burns, t.Deposits, t.DepositsReturned };
            Assert.Equal(7, columns.Sum());
            Assert.Single(columns, c => c == 7);
            Assert.Equal(shares.Contains(code) ? 7 : 0, t.InferenceRevenue);
        }
    }
}
