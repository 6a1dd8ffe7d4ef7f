using System.Security.Cryptography;
using System.Text;

namespace OrleansGoRelay.Contracts.Federated;

/// <summary>
/// What a relay signs in a round, apart from the request itself: its update (so the round's aggregation record can be
/// checked later by anyone holding the relays' public keys, long after the HTTP request is gone) and its secure
/// aggregation advertisement (so no server can slip in keys of its own). ECDSA P-256 over SHA-256, IEEE P1363.
/// </summary>
public static class FederatedSigning
{
    /// <summary>The bytes a submission's signature covers: round, relay, the SHA-256 of the payload and the data hash.</summary>
    public static byte[] SubmissionBytes(string roundId, string relayId, ReadOnlySpan<byte> payload, string dataHash) =>
        Encoding.UTF8.GetBytes($"gorelay-fl-update\n{roundId}\n{relayId}\n{Convert.ToHexStringLower(SHA256.HashData(payload))}\n{dataHash}");

    /// <summary>Signs <paramref name="bytes"/>; base64.</summary>
    public static string Sign(ECDsa key, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToBase64String(key.SignData(bytes, HashAlgorithmName.SHA256));
    }

    /// <summary>Whether <paramref name="signature"/> (base64) signs <paramref name="bytes"/> under <paramref name="key"/>.</summary>
    public static bool Verify(ECDsa key, byte[] bytes, string? signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var raw = new byte[128];
        return Convert.TryFromBase64String(signature, raw, out var length) && key.VerifyData(bytes, raw.AsSpan(0, length), HashAlgorithmName.SHA256);
    }

    /// <summary>SHA-256 (hex) over the sorted game ids, one per line: the data a relay declares it trained on.</summary>
    public static string DataHash(IEnumerable<string> gameIds) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', gameIds.Order(StringComparer.Ordinal)))));
}
