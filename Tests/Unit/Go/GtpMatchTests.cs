using OrleansGoRelay.Go.Engines;

namespace OrleansGoRelay.Tests.Go;

public sealed class GtpMatchTests
{
    [Theory]
    [InlineData(86, 100, 0.7786, 0.9147)]
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(10, 10, 0.7225, 1.0)]
    public void TheWinRateIntervalIsWilsonsAtNinetyFivePercent(int wins, int games, double low, double high)
    {
        var (l, h) = GtpMatch.WinRateInterval(wins, games);
        Assert.Equal(low, l, 3);
        Assert.Equal(high, h, 3);
    }
}
