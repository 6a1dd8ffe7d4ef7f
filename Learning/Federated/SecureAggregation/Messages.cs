using System.Buffers.Binary;
using System.Text;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

// The messages of one round (Bonawitz et al. 2017, Figure 4, without the consistency check of the malicious model), in
// the order they flow. All are plain data (ints, strings, byte and uint arrays) so they go over the wire as they are;
// keys are SEC1 uncompressed P-256 points (65 bytes: 0x04, X, Y).

/// <summary>Stage 0, client → server: a client's two public keys.</summary>
/// <param name="ClientId">The client, 0..n−1.</param>
/// <param name="EncryptionPublicKey">c^PK: agreed with each neighbour's into the AES-GCM key of their share bundles.</param>
/// <param name="MaskingPublicKey">s^PK: agreed with each neighbour's into the seed of their pairwise mask.</param>
/// <param name="Signature">
/// Over <see cref="SignedBytes"/> by the client's long-term identity key (<see cref="IAdvertisementSigner"/>), when the
/// deployment has a PKI: it stops a server from substituting keys (a man in the middle); null without one.
/// </param>
public sealed record AdvertiseKeys(int ClientId, byte[] EncryptionPublicKey, byte[] MaskingPublicKey, byte[]? Signature)
{
    /// <summary>What the signature covers: the round id, the client id and both keys, length-prefixed.</summary>
    public static byte[] SignedBytes(string roundId, int clientId, byte[] encryptionPublicKey, byte[] maskingPublicKey)
    {
        ArgumentNullException.ThrowIfNull(roundId);
        ArgumentNullException.ThrowIfNull(encryptionPublicKey);
        ArgumentNullException.ThrowIfNull(maskingPublicKey);
        var round = Encoding.UTF8.GetBytes(roundId);
        var payload = new byte[4 + round.Length + 4 + 4 + encryptionPublicKey.Length + 4 + maskingPublicKey.Length];
        var span = payload.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, round.Length);
        round.CopyTo(span[4..]);
        span = span[(4 + round.Length)..];
        BinaryPrimitives.WriteInt32LittleEndian(span, clientId);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], encryptionPublicKey.Length);
        encryptionPublicKey.CopyTo(span[8..]);
        span = span[(8 + encryptionPublicKey.Length)..];
        BinaryPrimitives.WriteInt32LittleEndian(span, maskingPublicKey.Length);
        maskingPublicKey.CopyTo(span[4..]);
        return payload;
    }
}

/// <summary>Server → every client of U1 after stage 0: the clients that advertised keys, with their keys.</summary>
/// <param name="RoundId">The round.</param>
/// <param name="Survivors">U1, ascending.</param>
/// <param name="Advertisements">The advertisement of each client of U1, in the order of <paramref name="Survivors"/>.</param>
public sealed record KeysBroadcast(string RoundId, int[] Survivors, AdvertiseKeys[] Advertisements);

/// <summary>
/// One client's shares for one neighbour, sealed with AES-256-GCM under the key the two derive from their c keys; the
/// server only relays it. The plaintext is sender, recipient (4 bytes each, little-endian), the recipient's share of the
/// sender's s^SK, then of its self-mask seed b (8 bytes per field element each); the associated data binds the round,
/// sender and recipient.
/// </summary>
/// <param name="Sender">Whose secrets the shares are of.</param>
/// <param name="Recipient">Who holds them.</param>
/// <param name="Nonce">12 random bytes.</param>
/// <param name="Ciphertext">The encrypted shares.</param>
/// <param name="Tag">The 16-byte GCM tag.</param>
public sealed record EncryptedShareBundle(int Sender, int Recipient, byte[] Nonce, byte[] Ciphertext, byte[] Tag);

/// <summary>Stage 1, client → server: a bundle for each neighbour in U1 and a commitment to the self-mask seed.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="SelfMaskCommitment">SHA-256 over the round, the client and b_u: the server checks b_u's reconstruction against it.</param>
/// <param name="Bundles">One per neighbour of the client in U1.</param>
public sealed record ShareKeys(int ClientId, byte[] SelfMaskCommitment, EncryptedShareBundle[] Bundles);

/// <summary>Server → each client of U2 after stage 1: U2 and the bundles its neighbours in U2 sealed for it.</summary>
/// <param name="RoundId">The round.</param>
/// <param name="Recipient">The client addressed.</param>
/// <param name="Survivors">U2, ascending: the clients whose shares went out, the only ones to mask against.</param>
/// <param name="Bundles">The bundles addressed to <paramref name="Recipient"/>.</param>
public sealed record ShareDelivery(string RoundId, int Recipient, int[] Survivors, EncryptedShareBundle[] Bundles);

/// <summary>Stage 2, client → server: y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_uv) in Z_{2^32}.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="Values">The masked, fixed-point input, one word per parameter.</param>
public sealed record MaskedInput(int ClientId, uint[] Values);

/// <summary>Server → every client of U3 after stage 2: who sent a masked input (the rest of U2 dropped out).</summary>
/// <param name="RoundId">The round.</param>
/// <param name="Survivors">U3, ascending.</param>
public sealed record UnmaskRequest(string RoundId, int[] Survivors);

/// <summary>A share a client reveals in stage 3.</summary>
/// <param name="Owner">Whose secret it is a share of.</param>
/// <param name="Value">The share's field elements, 8 little-endian bytes each (<see cref="ShamirSecretSharing.EncodeValues"/>).</param>
public sealed record RevealedShare(int Owner, byte[] Value);

/// <summary>
/// Stage 3, client → server: for each client of its closed neighbourhood in U2, the share of its self-mask seed b when
/// it is in U3 (its input is in the sum) or of its masking key s^SK when it dropped out; never both for one client.
/// </summary>
/// <param name="ClientId">The client.</param>
/// <param name="SelfMaskShares">Shares of b_v for v in U3.</param>
/// <param name="MaskingKeyShares">Shares of s_v^SK for v in U2 \ U3.</param>
public sealed record Unmask(int ClientId, RevealedShare[] SelfMaskShares, RevealedShare[] MaskingKeyShares);

/// <summary>A share found inconsistent with the genuine secret during reconstruction.</summary>
/// <param name="Holder">The client that returned it in <see cref="Unmask"/>.</param>
/// <param name="Owner">Whose secret it is a share of.</param>
/// <param name="Secret"><c>self-mask seed</c> or <c>masking key</c>.</param>
public sealed record TamperedShareReport(int Holder, int Owner, string Secret);

/// <summary>What the server learns from a round: the sum, nothing else.</summary>
/// <param name="Sum">The sum of the included clients' clipped inputs, decoded to float.</param>
/// <param name="Survivors">How many inputs the sum has (|U3|).</param>
/// <param name="Included">U3: the clients whose inputs are in the sum, ascending.</param>
/// <param name="Responders">The clients that answered the unmask request, ascending.</param>
/// <param name="TamperedShares">Wrong shares found and worked around (the sum is still exact); empty in an honest round.</param>
/// <param name="ErrorBound">Per coordinate, the most <paramref name="Sum"/> can be off the exact sum of the clipped inputs from quantisation: Survivors · 0.5 / scale.</param>
public sealed record SecureAggregationResult(float[] Sum, int Survivors, int[] Included, int[] Responders, TamperedShareReport[] TamperedShares, double ErrorBound);
