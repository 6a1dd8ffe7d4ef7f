using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Grains.Events;

/// <summary>The one way a relay's health change becomes a <see cref="NodeChange"/> event body.</summary>
internal static class NodeChanges
{
    /// <summary>The change <paramref name="relay"/> (as it is after it) went through, for <paramref name="reason"/>.</summary>
    public static NodeChange Of(RelayView relay, string reason) =>
        new(relay.RelayId, ApiJson.NameOf(relay.Health), reason, relay.Registration.Region);
}
