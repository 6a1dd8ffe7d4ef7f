using System.Diagnostics.Metrics;

namespace OrleansGoRelay.Grains;

/// <summary>The meter every product instrument belongs to; the gateway exports it at <c>/metrics</c>.</summary>
public static class GoRelayMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "OrleansGoRelay";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Adds 0 to every counter of the meter, so a fresh silo's scrape lists them (see the README's metrics table).</summary>
    public static void RecordZeros()
    {
        Games.GameMetrics.Moves.Add(0);
        Games.GameMetrics.Agreed.Add(0);
        Games.GameMetrics.Disputed.Add(0);
        Relays.RelayMetrics.SessionsMoved.Add(0);
    }
}
