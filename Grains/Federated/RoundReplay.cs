using System.Security.Cryptography;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>Rebuilds a round's protocol from what is stored: its start, the participants' registered keys, its log.</summary>
public static class RoundReplay
{
    /// <summary>The registered public keys of <paramref name="relayIds"/> (relays without one are left out).</summary>
    public static async Task<Dictionary<string, ECDsa>> KeysAsync(IRelayStore relays, IEnumerable<string> relayIds)
    {
        ArgumentNullException.ThrowIfNull(relays);
        ArgumentNullException.ThrowIfNull(relayIds);
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var relayId in relayIds)
        {
            if (await relays.GetAsync(relayId) is { } relay && RelaySignature.ImportPublicKey(relay.Registration.PublicKey) is { } key)
            {
                keys[relayId] = key;
            }
        }
        return keys;
    }

    /// <summary>A fresh protocol for <paramref name="round"/> over a net of <paramref name="config"/>, checking signatures with <paramref name="keys"/>.</summary>
    public static RoundProtocol Protocol(StoredRound round, NetConfig config, IReadOnlyDictionary<string, ECDsa> keys)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(keys);
        return new RoundProtocol(round.Start, ParameterLayout.Of(config), id => keys.GetValueOrDefault(id), round.Setup.ClipNorm);
    }
}
