using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Learning.Federated.SecureAggregation;

namespace OrleansGoRelay.Learning.Federated.Rounds;

/// <summary>Maps the secure-aggregation messages to and from the API's wire records (the same bytes, other shapes).</summary>
public static class SecureAggregationWire
{
    /// <summary>The library's configuration of a round's plan.</summary>
    public static SecureAggregationConfig ToConfig(this SecureAggregationPlan plan, string roundId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return SecureAggregationConfig.Create(roundId, plan.Clients, plan.Parameters, plan.ClipRange, plan.Neighbours, plan.Threshold, plan.GraphSeed);
    }

    public static KeyAdvertisement ToWire(this AdvertiseKeys message) =>
        new(message.ClientId, message.EncryptionPublicKey, message.MaskingPublicKey, message.Signature);

    public static AdvertiseKeys FromWire(this KeyAdvertisement message) =>
        new(message.ClientId, message.EncryptionPublicKey ?? [], message.MaskingPublicKey ?? [], message.Signature);

    public static SealedShare ToWire(this EncryptedShareBundle bundle) =>
        new(bundle.Sender, bundle.Recipient, bundle.Nonce, bundle.Ciphertext, bundle.Tag);

    public static EncryptedShareBundle FromWire(this SealedShare bundle) =>
        new(bundle.Sender, bundle.Recipient, bundle.Nonce ?? [], bundle.Ciphertext ?? [], bundle.Tag ?? []);

    public static KeyShares ToWire(this ShareKeys message) =>
        new(message.ClientId, message.SelfMaskCommitment, [.. message.Bundles.Select(ToWire)]);

    public static ShareKeys FromWire(this KeyShares message) =>
        new(message.ClientId, message.SelfMaskCommitment ?? [], [.. (message.Bundles ?? []).Select(FromWire)]);

    public static UnmaskShares ToWire(this Unmask message) =>
        new(message.ClientId, [.. message.SelfMaskShares.Select(s => new RevealedSecret(s.Owner, s.Value))], [.. message.MaskingKeyShares.Select(s => new RevealedSecret(s.Owner, s.Value))]);

    public static Unmask FromWire(this UnmaskShares message) =>
        new(message.ClientId, [.. (message.SelfMaskShares ?? []).Select(s => new RevealedShare(s.Owner, s.Value ?? []))],
            [.. (message.MaskingKeyShares ?? []).Select(s => new RevealedShare(s.Owner, s.Value ?? []))]);

    /// <summary>A masked vector as little-endian bytes.</summary>
    public static byte[] ToBytes(uint[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * sizeof(uint)];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * sizeof(uint)), values[i]);
        }
        return bytes;
    }

    /// <summary>A masked vector from little-endian bytes; a length that is not a whole number of values throws <see cref="ArgumentException"/>.</summary>
    public static uint[] ToValues(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length % sizeof(uint) != 0)
        {
            throw new ArgumentException($"A masked vector is whole 4-byte values; {bytes.Length} bytes is not.", nameof(bytes));
        }
        var values = new uint[bytes.Length / sizeof(uint)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i * sizeof(uint)));
        }
        return values;
    }
}
