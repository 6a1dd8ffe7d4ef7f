using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansGoRelay.Grains.Ledger;

namespace OrleansGoRelay.Grains.Ledger;

/// <summary>
/// The two hashes of the ledger. A transfer's chain hash is SHA-256 over its predecessor's hash and its own
/// content; a request hash fingerprints what a client submitted, so a retry can be told from a reuse of the id.
/// Every field is length-prefixed, so no choice of characters in an id or reference can make two contents collide.
/// </summary>
public static class LedgerHashing
{
    /// <summary>The predecessor hash of the first transfer.</summary>
    public static byte[] Genesis { get; } = new byte[32];

    /// <summary>The chain hash of an applied transfer, given its predecessor's hash.</summary>
    public static byte[] ChainHash(Transfer t, ReadOnlySpan<byte> previousHash)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previousHash);
        Field(hash, "transfer/v1");
        Field(hash, t.Sequence.ToString(CultureInfo.InvariantCulture));
        Field(hash, t.TransferId);
        Field(hash, t.Kind.ToString());
        Field(hash, t.DebitAccountId);
        Field(hash, t.CreditAccountId);
        Field(hash, t.Amount.ToString(CultureInfo.InvariantCulture));
        Field(hash, t.Currency);
        Field(hash, t.Code.ToString(CultureInfo.InvariantCulture));
        Field(hash, t.PendingId);
        Field(hash, t.ReversesId);
        Field(hash, t.Reference);
        Field(hash, t.TimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        Field(hash, t.ExpiresAt is { } expires ? Micros(expires).ToString(CultureInfo.InvariantCulture) : null);
        Field(hash, Micros(t.CreatedAt).ToString(CultureInfo.InvariantCulture));
        return hash.GetHashAndReset();
    }

    /// <summary>The fingerprint of a request as submitted.</summary>
    public static byte[] RequestHash(TransferRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Field(hash, "request/v1");
        Field(hash, r.TransferId);
        Field(hash, r.Kind.ToString());
        Field(hash, r.DebitAccountId);
        Field(hash, r.CreditAccountId);
        Field(hash, r.Amount.ToString(CultureInfo.InvariantCulture));
        Field(hash, r.Currency);
        Field(hash, r.Code.ToString(CultureInfo.InvariantCulture));
        Field(hash, r.PendingId);
        Field(hash, r.ReversesId);
        Field(hash, r.Reference);
        Field(hash, r.TimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        return hash.GetHashAndReset();
    }

    /// <summary>A time truncated to PostgreSQL's microsecond precision, so what is hashed is what is stored.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % 10, TimeSpan.Zero);

    private static long Micros(DateTimeOffset time) => time.UtcTicks / 10;

    private static void Field(IncrementalHash hash, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            hash.AppendData(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
