using System.Diagnostics.Metrics;

namespace OrleansGoRelay.Grains.Games;

/// <summary>The games' instruments.</summary>
public static class GameMetrics
{
    /// <summary>Accepted moves (passes and resignations included).</summary>
    public static readonly Counter<long> Moves = GoRelayMeter.Meter.CreateCounter<long>("gorelay.game.moves", "{move}", "Moves accepted by game grains.");

    /// <summary>Games that ended with both players agreeing.</summary>
    public static readonly Counter<long> Agreed = GoRelayMeter.Meter.CreateCounter<long>("gorelay.game.consensus", "{game}", "Games that ended with consensus.");

    /// <summary>Games whose players disagreed on the result.</summary>
    public static readonly Counter<long> Disputed = GoRelayMeter.Meter.CreateCounter<long>("gorelay.game.disputes", "{game}", "Games whose players disagreed on the result.");
}
