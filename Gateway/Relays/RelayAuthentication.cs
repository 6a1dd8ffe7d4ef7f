using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Gateway.Relays;

/// <summary>A relay request whose signature checked out.</summary>
/// <param name="RelayId">The signing relay.</param>
/// <param name="Body">The body, parsed.</param>
public sealed record SignedRequest<T>(string RelayId, T Body);

/// <summary>
/// Checks relay signatures (<see cref="RelaySignature"/>): the timestamp must be within the clock-skew window, the
/// signature must verify with the relay's registered key (or, for a registration, with the key it registers, which
/// proves the relay holds it), and the nonce must be new; only then is the nonce recorded, so unsigned junk cannot
/// fill the nonce table. Every failure is a 4xx problem.
/// </summary>
public sealed class RelayAuthentication(IGrainFactory grains, TimeProvider clock, IOptions<JsonOptions> json)
{
    /// <summary>The largest signed body accepted.</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>The largest signed federated update (a masked vector of the 6×48 model is 2.2 MB, 3 MB as base64 in JSON).</summary>
    public const int MaxUpdateBytes = 16 << 20;

    private readonly ConcurrentDictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    /// <summary>Verifies a request and parses its body as <typeparamref name="T"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="registeringKey">For a registration: the public key in the body, which must also have signed it.</param>
    public async Task<(SignedRequest<T>? Request, IResult? Problem)> VerifyAsync<T>(HttpContext context, Func<T, string?>? registeringKey = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        // A registration's body is read before the check (it carries the key); it is parsed once.
        var parsed = default(T);
        var (relayId, body, problem) = await VerifyAsync(context, registeringKey is null ? null : bytes =>
        {
            parsed = Parse<T>(bytes);
            return parsed is { } value ? registeringKey(value) : null;
        }, MaxBodyBytes).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }
        if (parsed is not null)
        {
            return (new SignedRequest<T>(relayId!, parsed), null);
        }
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(body, json.Value.SerializerOptions);
        }
        catch (JsonException e)
        {
            return (null, Problems.Create(StatusCodes.Status400BadRequest, "malformed_json",
                $"The body is not valid JSON for this route (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}"));
        }
        return value is null
            ? (null, Problems.Create(StatusCodes.Status400BadRequest, "malformed_json", "The body is empty."))
            : (new SignedRequest<T>(relayId!, value), null);
    }

    /// <summary>Verifies a request without a body to parse (a WebSocket upgrade, a GET).</summary>
    public async Task<(string? RelayId, IResult? Problem)> VerifyAsync(HttpContext context)
    {
        var (relayId, _, problem) = await VerifyAsync(context, null, MaxBodyBytes).ConfigureAwait(false);
        return (relayId, problem);
    }

    /// <summary>Verifies a request and returns its raw body (at most <paramref name="maxBytes"/>), for routes that keep the bytes as sent.</summary>
    public Task<(string? RelayId, byte[] Body, IResult? Problem)> VerifyRawAsync(HttpContext context, int maxBytes) => VerifyAsync(context, null, maxBytes);

    private T? Parse<T>(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, json.Value.SerializerOptions);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private async Task<(string? RelayId, byte[] Body, IResult? Problem)> VerifyAsync(HttpContext context, Func<byte[], string?>? registeringKey, int maxBytes)
    {
        var headers = context.Request.Headers;
        var relayId = headers[RelaySignature.RelayIdHeader].ToString();
        var timestampText = headers[RelaySignature.TimestampHeader].ToString();
        var nonce = headers[RelaySignature.NonceHeader].ToString();
        var signature = headers[RelaySignature.SignatureHeader].ToString();
        if (relayId.Length == 0 || timestampText.Length == 0 || nonce.Length == 0 || signature.Length == 0)
        {
            return Fail(StatusCodes.Status401Unauthorized, "signature_required",
                $"Relay requests carry {RelaySignature.RelayIdHeader}, {RelaySignature.TimestampHeader}, {RelaySignature.NonceHeader} and {RelaySignature.SignatureHeader}.");
        }
        if (!RelayIds.IsValid(relayId))
        {
            return Fail(StatusCodes.Status400BadRequest, "invalid_relay_id", "The relay id is malformed.");
        }
        if (nonce.Length is < 8 or > 64 || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return Fail(StatusCodes.Status400BadRequest, "invalid_nonce", "The nonce is 8 to 64 letters, digits, '-' or '_'.");
        }
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(clock.GetUtcNow().ToUnixTimeMilliseconds() - timestamp) > RelaySignature.MaxClockSkew.TotalMilliseconds)
        {
            return Fail(StatusCodes.Status401Unauthorized, "stale_request",
                $"The timestamp must be Unix milliseconds within {RelaySignature.MaxClockSkew.TotalSeconds:F0} s of the gateway's clock.");
        }

        byte[] body;
        if (context.Request.ContentLength > maxBytes)
        {
            return Fail(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"Signed bodies here are at most {maxBytes} bytes.");
        }
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return Fail(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"Signed bodies here are at most {maxBytes} bytes.");
                }
                buffer.Write(chunk, 0, read);
            }
            body = buffer.ToArray();
        }

        // A registered relay's key never changes (another key is refused at registration), so it is read once per
        // silo; a registration's own key is used for that request only and never cached.
        ECDsa? key;
        if (registeringKey is not null)
        {
            key = registeringKey(body) is { } offered ? RelaySignature.ImportPublicKey(offered) : null;
            if (key is null)
            {
                return Fail(StatusCodes.Status400BadRequest, "invalid_public_key", "publicKey must be an ECDSA P-256 public key (base64 SubjectPublicKeyInfo or PEM).");
            }
        }
        else if (!_keys.TryGetValue(relayId, out key))
        {
            var registered = (await grains.GetGrain<IRelayNodeGrain>(relayId).GetRelay().ConfigureAwait(false))?.Registration.PublicKey;
            if (registered is null)
            {
                return Fail(StatusCodes.Status401Unauthorized, "unknown_relay", $"Relay '{relayId}' is not registered.");
            }
            key = RelaySignature.ImportPublicKey(registered);
            if (key is null)
            {
                return Fail(StatusCodes.Status400BadRequest, "invalid_public_key", "The registered key is not an ECDSA P-256 key.");
            }
            key = _keys.GetOrAdd(relayId, key);
        }
        bool valid;
        lock (key)
        {
            valid = RelaySignature.Verify(key, context.Request.Method, context.Request.GetEncodedPathAndQuery(), timestamp, nonce, body, signature);
        }
        if (registeringKey is not null)
        {
            key.Dispose();
        }
        if (!valid)
        {
            return Fail(StatusCodes.Status401Unauthorized, "bad_signature", "The signature does not verify with the relay's key.");
        }
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(timestamp) + RelaySignature.MaxClockSkew;
        if (!await grains.GetGrain<IRelayNodeGrain>(relayId).ClaimNonce(nonce, expires).ConfigureAwait(false))
        {
            return Fail(StatusCodes.Status409Conflict, "replayed_request", "This nonce was used before: the request is a replay.");
        }
        return (relayId, body, null);
    }

    private static (string?, byte[], IResult?) Fail(int status, string code, string detail) => (null, [], Problems.Create(status, code, detail));
}
