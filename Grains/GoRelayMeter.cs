using System.Diagnostics.Metrics;

namespace OrleansGoRelay.Grains;

/// <summary>The meter every product instrument belongs to; the gateway exports it at <c>/metrics</c>.</summary>
public static class GoRelayMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "OrleansGoRelay";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(Name);
}
