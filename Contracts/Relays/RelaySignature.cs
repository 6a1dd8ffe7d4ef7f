using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGoRelay.Contracts.Relays;

/// <summary>
/// How relays sign their requests. The signed text is
/// <c>GORELAY1\n{METHOD}\n{path and query}\n{timestamp ms}\n{nonce}\n{hex SHA-256 of the body}</c>, signed with ECDSA
/// P-256 over SHA-256 (IEEE P1363 r‖s, base64) and sent in the headers below. The gateway accepts a timestamp within
/// <see cref="MaxClockSkew"/> of its clock and each nonce once, so a captured request cannot be replayed.
/// </summary>
public static class RelaySignature
{
    /// <summary>The relay's id.</summary>
    public const string RelayIdHeader = "X-Relay-Id";

    /// <summary>Unix time in milliseconds when the relay signed.</summary>
    public const string TimestampHeader = "X-Relay-Timestamp";

    /// <summary>A fresh random value per request (8 to 64 characters).</summary>
    public const string NonceHeader = "X-Relay-Nonce";

    /// <summary>The signature.</summary>
    public const string SignatureHeader = "X-Relay-Signature";

    /// <summary>How far a request's timestamp may be from the gateway's clock.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>The text that is signed.</summary>
    public static byte[] SignedText(string method, string pathAndQuery, long timestampMs, string nonce, ReadOnlySpan<byte> body)
    {
        var text = string.Join('\n', "GORELAY1", method.ToUpperInvariant(), pathAndQuery,
            timestampMs.ToString(CultureInfo.InvariantCulture), nonce, Convert.ToHexStringLower(SHA256.HashData(body)));
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The four headers for a request.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Sign(ECDsa key, string relayId, string method, string pathAndQuery, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        var timestamp = now.ToUnixTimeMilliseconds();
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var signature = key.SignData(SignedText(method, pathAndQuery, timestamp, nonce, body), HashAlgorithmName.SHA256);
        return
        [
            new(RelayIdHeader, relayId),
            new(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture)),
            new(NonceHeader, nonce),
            new(SignatureHeader, Convert.ToBase64String(signature)),
        ];
    }

    /// <summary>A signed HTTP request with a JSON body (relay agents and tests send these).</summary>
    /// <param name="key">The relay's private key.</param>
    /// <param name="relayId">The relay.</param>
    /// <param name="method">The method.</param>
    /// <param name="url">Where to send it (absolute, or relative to the client's base address).</param>
    /// <param name="pathAndQuery">The path and query the gateway will see (what is signed).</param>
    /// <param name="body">The JSON body (empty for none).</param>
    /// <param name="now">The signing time.</param>
    public static HttpRequestMessage CreateRequest(ECDsa key, string relayId, HttpMethod method, string url, string pathAndQuery, byte[] body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(method);
        var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        foreach (var (name, value) in Sign(key, relayId, method.Method, pathAndQuery, body, now))
        {
            request.Headers.Add(name, value);
        }
        return request;
    }

    /// <summary>Whether a signature over the request is valid for the public key.</summary>
    public static bool Verify(ECDsa publicKey, string method, string pathAndQuery, long timestampMs, string nonce, ReadOnlySpan<byte> body, string signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var bytes = new byte[96];
        return Convert.TryFromBase64String(signature, bytes, out var length) && length == 64
            && publicKey.VerifyData(SignedText(method, pathAndQuery, timestampMs, nonce, body), bytes.AsSpan(0, length), HashAlgorithmName.SHA256);
    }

    /// <summary>Imports a public key (base64 SubjectPublicKeyInfo or PEM); null when it is not an ECDSA P-256 key.</summary>
    public static ECDsa? ImportPublicKey(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4096)
        {
            return null;
        }
        var key = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text.Trim()), out _);
            }
            if (key.KeySize == 256 && key.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                return key;
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            // Not a key we accept; answered as null below.
        }
        key.Dispose();
        return null;
    }

    /// <summary>A key's public half as base64 SubjectPublicKeyInfo, the form relays register.</summary>
    public static string ExportPublicKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }
}
