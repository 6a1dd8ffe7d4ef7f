using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// The primitives of secure aggregation (Bonawitz et al. 2017, §3 and §4): P-256 Diffie–Hellman key agreement, HKDF-SHA256
/// from an agreed secret to an AES-256-GCM key (c keys) or a 32-byte mask seed (s keys), the sealing of share bundles and
/// the commitment to a self-mask seed. Derivations bind the round id and the ordered pair of clients, so both ends of a
/// pair compute the same key and no key is shared between rounds, pairs or purposes.
/// </summary>
internal static class SecureAggregationCrypto
{
    public const int PublicKeyBytes = 65;
    public const int PrivateKeyBytes = 32;
    public const int SelfMaskSeedBytes = SeededMask.SeedBytes;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private static readonly byte[] ShareKeyLabel = Encoding.ASCII.GetBytes("gorelay-secagg/v1/share-encryption");
    private static readonly byte[] MaskSeedLabel = Encoding.ASCII.GetBytes("gorelay-secagg/v1/pairwise-mask");
    private static readonly byte[] CommitmentLabel = Encoding.ASCII.GetBytes("gorelay-secagg/v1/self-mask-commitment");

    public static int SecretChunks => ShamirSecretSharing.ChunkCount(PrivateKeyBytes);

    public static ECDiffieHellman NewKeyPair() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The SEC1 uncompressed encoding 0x04 ‖ X ‖ Y.</summary>
    public static byte[] ExportPublicKey(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        var bytes = new byte[PublicKeyBytes];
        bytes[0] = 0x04;
        q.X!.CopyTo(bytes, 1);
        q.Y!.CopyTo(bytes, 33);
        return bytes;
    }

    /// <summary>A public key from its SEC1 encoding; a point off the curve (or a malformed encoding) throws <see cref="ArgumentException"/>.</summary>
    public static ECDiffieHellman ImportPublicKey(byte[] encoded)
    {
        if (encoded is not { Length: PublicKeyBytes } || encoded[0] != 0x04)
        {
            throw new ArgumentException("A public key is a 65-byte uncompressed P-256 point.", nameof(encoded));
        }
        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = encoded[1..33], Y = encoded[33..] },
            });
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("The public key is not a point of P-256.", nameof(encoded), e);
        }
    }

    /// <summary>The private scalar d, 32 bytes big-endian.</summary>
    public static byte[] ExportPrivateKey(ECDiffieHellman key) => key.ExportParameters(true).D!;

    /// <summary>The key pair of scalar d (the public point recomputed); null when d is not a valid scalar.</summary>
    public static ECDiffieHellman? ImportPrivateKey(byte[] d)
    {
        try
        {
            return ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The AES-256-GCM key of the pair's share bundles.</summary>
    public static byte[] ShareEncryptionKey(ECDiffieHellman own, ECDiffieHellmanPublicKey other, string roundId, int a, int b) =>
        Derive(own.DeriveRawSecretAgreement(other), roundId, ShareKeyLabel, a, b);

    /// <summary>The seed of the pair's mask s_uv.</summary>
    public static byte[] PairwiseMaskSeed(ECDiffieHellman own, ECDiffieHellmanPublicKey other, string roundId, int a, int b) =>
        Derive(own.DeriveRawSecretAgreement(other), roundId, MaskSeedLabel, a, b);

    /// <summary>SHA-256(label ‖ round ‖ client ‖ b): binding, and hiding because b is 32 random bytes.</summary>
    public static byte[] SelfMaskCommitment(string roundId, int client, ReadOnlySpan<byte> seed)
    {
        var round = Encoding.UTF8.GetBytes(roundId);
        var input = new byte[CommitmentLabel.Length + round.Length + 4 + seed.Length];
        CommitmentLabel.CopyTo(input, 0);
        round.CopyTo(input, CommitmentLabel.Length);
        BinaryPrimitives.WriteInt32LittleEndian(input.AsSpan(CommitmentLabel.Length + round.Length), client);
        seed.CopyTo(input.AsSpan(CommitmentLabel.Length + round.Length + 4));
        return SHA256.HashData(input);
    }

    /// <summary>Seals the recipient's shares of the sender's masking key and self-mask seed.</summary>
    public static EncryptedShareBundle Seal(byte[] key, string roundId, int sender, int recipient, ulong[] maskingKeyShare, ulong[] selfMaskShare)
    {
        var plaintext = new byte[8 + (maskingKeyShare.Length + selfMaskShare.Length) * 8];
        BinaryPrimitives.WriteInt32LittleEndian(plaintext, sender);
        BinaryPrimitives.WriteInt32LittleEndian(plaintext.AsSpan(4), recipient);
        ShamirSecretSharing.EncodeValues(maskingKeyShare).CopyTo(plaintext, 8);
        ShamirSecretSharing.EncodeValues(selfMaskShare).CopyTo(plaintext, 8 + maskingKeyShare.Length * 8);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(roundId, sender, recipient));
        CryptographicOperations.ZeroMemory(plaintext);
        return new EncryptedShareBundle(sender, recipient, nonce, ciphertext, tag);
    }

    /// <summary>Opens a bundle; a wrong tag, a wrong key or inner ids that differ from the outer ones throw <see cref="CryptographicException"/>.</summary>
    public static (ulong[] MaskingKeyShare, ulong[] SelfMaskShare) Open(byte[] key, string roundId, EncryptedShareBundle bundle)
    {
        var chunks = SecretChunks;
        if (bundle.Nonce is not { Length: NonceBytes } || bundle.Tag is not { Length: TagBytes } || bundle.Ciphertext is null || bundle.Ciphertext.Length != 8 + 2 * chunks * 8)
        {
            throw new CryptographicException("The share bundle is malformed.");
        }
        var plaintext = new byte[bundle.Ciphertext.Length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(bundle.Nonce, bundle.Ciphertext, bundle.Tag, plaintext, AssociatedData(roundId, bundle.Sender, bundle.Recipient));
        if (BinaryPrimitives.ReadInt32LittleEndian(plaintext) != bundle.Sender || BinaryPrimitives.ReadInt32LittleEndian(plaintext.AsSpan(4)) != bundle.Recipient)
        {
            throw new CryptographicException("The share bundle's inner sender and recipient differ from its envelope.");
        }
        try
        {
            return (ShamirSecretSharing.DecodeValues(plaintext.AsSpan(8, chunks * 8), chunks), ShamirSecretSharing.DecodeValues(plaintext.AsSpan(8 + chunks * 8, chunks * 8), chunks));
        }
        catch (ArgumentException e)
        {
            throw new CryptographicException("The share bundle holds values outside the field.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] AssociatedData(string roundId, int sender, int recipient)
    {
        var round = Encoding.UTF8.GetBytes(roundId);
        var data = new byte[round.Length + 8];
        round.CopyTo(data, 0);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(round.Length), sender);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(round.Length + 4), recipient);
        return data;
    }

    private static byte[] Derive(byte[] agreed, string roundId, byte[] label, int a, int b)
    {
        var info = new byte[label.Length + 8];
        label.CopyTo(info, 0);
        BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(label.Length), Math.Min(a, b));
        BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(label.Length + 4), Math.Max(a, b));
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, agreed, 32, Encoding.UTF8.GetBytes(roundId), info);
        CryptographicOperations.ZeroMemory(agreed);
        return key;
    }
}
