using System.Text.RegularExpressions;

namespace OrleansGoRelay.Contracts.Relays;

/// <summary>What relay ids look like.</summary>
public static partial class RelayIds
{
    /// <summary>Whether a relay id is well formed.</summary>
    public static bool IsValid(string? relayId) => relayId is not null && Pattern().IsMatch(relayId);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Pattern();
}
