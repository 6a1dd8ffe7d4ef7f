using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGoRelay.Ledger;

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
        Fields(hash, t.TransferId, t.Kind, t.DebitAccountId, t.CreditAccountId, t.Amount, t.Currency, t.Code, t.PendingId, t.ReversesId, t.Reference, t.TimeoutSeconds);
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
        Fields(hash, r.TransferId, r.Kind, r.DebitAccountId, r.CreditAccountId, r.Amount, r.Currency, r.Code, r.PendingId, r.ReversesId, r.Reference, r.TimeoutSeconds);
        return hash.GetHashAndReset();
    }

    /// <summary>A time truncated to PostgreSQL's microsecond precision, so what is hashed is what is stored.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % 10, TimeSpan.Zero);

    /// <summary>The fields a request and its applied transfer share, in one order for both hashes.</summary>
    private static void Fields(IncrementalHash hash, string id, TransferKind kind, string debit, string credit, long amount, string currency, int code,
        string? pendingId, string? reversesId, string? reference, int timeoutSeconds)
    {
        Field(hash, id);
        Field(hash, kind.ToString());
        Field(hash, debit);
        Field(hash, credit);
        Field(hash, amount.ToString(CultureInfo.InvariantCulture));
        Field(hash, currency);
        Field(hash, code.ToString(CultureInfo.InvariantCulture));
        Field(hash, pendingId);
        Field(hash, reversesId);
        Field(hash, reference);
        Field(hash, timeoutSeconds.ToString(CultureInfo.InvariantCulture));
    }

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
