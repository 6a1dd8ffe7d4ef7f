using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrleansGoRelay.Learning.Federated.Compression;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>The shares of one client's two secrets that a client holds: its own, or those a neighbour sealed for it.</summary>
/// <param name="Owner">Whose secrets they are shares of.</param>
/// <param name="MaskingKeyShare">The share of the owner's masking key s^SK, one field element per 7-byte chunk.</param>
/// <param name="SelfMaskShare">The share of the owner's self-mask seed b, one field element per 7-byte chunk.</param>
public sealed record SecureAggregationHeldShares(int Owner, ulong[] MaskingKeyShare, ulong[] SelfMaskShare);

/// <summary>
/// Everything a <see cref="SecureAggregationClient"/> holds between two stages of a round
/// (<see cref="SecureAggregationClient.ExportState"/>), so that a process killed mid-round can come back
/// (<see cref="SecureAggregationClient.Restore"/>) and answer the next stage with the same keys and secrets. The keys of
/// the share bundles are not in it: they are derived again from the private encryption key and the neighbours' keys.
/// <para>
/// It holds secrets (the private keys, the self-mask seed, other clients' shares): keep it like a private key, and zero
/// the arrays once written. To keep a client from answering one stage twice with different secrets, and above all from
/// answering two unmask requests, persist the state exported after each stage call before sending that call's reply: a
/// process that restarts from an older state would otherwise redo a stage it has already answered.
/// </para>
/// </summary>
/// <param name="Config">The round.</param>
/// <param name="ClientId">The client, 0..n−1.</param>
/// <param name="Stage">
/// The last stage the client completed, by name: <c>Created</c>, <c>Advertised</c>, <c>Shared</c>, <c>Masked</c> or
/// <c>Unmasked</c>. A restored client accepts only the call that follows it.
/// </param>
/// <param name="EncryptionPrivateKey">c^SK, the P-256 scalar (32 bytes, big-endian).</param>
/// <param name="MaskingPrivateKey">s^SK, the P-256 scalar (32 bytes, big-endian).</param>
/// <param name="NeighbourKeys">The advertisements of the neighbours in U1, ascending by client; empty before <c>Shared</c>.</param>
/// <param name="HeldShares">The shares held, ascending by owner: its own from <c>Shared</c> on, its neighbours' from <c>Masked</c> on; none after <c>Unmasked</c>.</param>
/// <param name="SharedKeys">U2 as the client accepted it in <c>MaskInput</c>, ascending; empty before <c>Masked</c>.</param>
/// <param name="SelfMaskSeed">b_u (32 bytes) while the client is at <c>Shared</c>; null before and after (it is erased once the input is masked).</param>
public sealed record SecureAggregationClientState(
    SecureAggregationConfig Config,
    int ClientId,
    string Stage,
    byte[] EncryptionPrivateKey,
    byte[] MaskingPrivateKey,
    AdvertiseKeys[] NeighbourKeys,
    SecureAggregationHeldShares[] HeldShares,
    int[] SharedKeys,
    byte[]? SelfMaskSeed)
{
    /// <summary>The version of <see cref="Serialize"/>'s format, its fifth byte.</summary>
    public const byte FormatVersion = 1;

    private const string What = "secure-aggregation client state";
    private const int ChecksumBytes = 32;

    // 'S', 'A', 'C', 'S': secure-aggregation client state.
    private static readonly byte[] Magic = "SACS"u8.ToArray();

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The stage names, in order; <see cref="Stage"/> is one of them.</summary>
    internal static IReadOnlyList<string> StageNames { get; } = ["Created", "Advertised", "Shared", "Masked", "Unmasked"];

    /// <summary>
    /// The state as bytes: <c>SACS</c>, <see cref="FormatVersion"/>, the fields little-endian with length-prefixed arrays,
    /// then a SHA-256 of everything before it, so a torn or altered file is told apart from a state.
    /// </summary>
    /// <exception cref="ArgumentException">The state cannot be written: a null field or an unknown stage.</exception>
    public static byte[] Serialize(SecureAggregationClientState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var config = state.Config ?? throw new ArgumentException("The state has no round configuration.", nameof(state));
        var quantisation = config.Quantisation ?? throw new ArgumentException("The state's configuration has no quantisation.", nameof(state));
        var stage = StageIndex(state.Stage);
        if (stage < 0)
        {
            throw new ArgumentException($"The state's stage '{state.Stage}' is none of {string.Join(", ", StageNames)}.", nameof(state));
        }

        // Sized for the usual state so the buffer holding the secrets is not copied on growth.
        var writer = new ArrayBufferWriter<byte>(256 + (state.NeighbourKeys?.Length ?? 0) * 224 + (state.HeldShares?.Length ?? 0) * 96 + (state.SharedKeys?.Length ?? 0) * 4);
        writer.Write(Magic);
        WriteByte(writer, FormatVersion);

        WriteBytes(writer, Encoding.UTF8.GetBytes(config.RoundId ?? throw new ArgumentException("The state's round has no id.", nameof(state))));
        WriteInt32(writer, config.Clients);
        WriteInt32(writer, config.Parameters);
        WriteInt32(writer, config.Threshold);
        WriteByte(writer, (byte)config.Graph);
        WriteInt32(writer, config.Neighbours);
        WriteInt64(writer, config.GraphSeed);
        WriteInt64(writer, BitConverter.DoubleToInt64Bits(quantisation.ClipRange));
        WriteInt64(writer, BitConverter.DoubleToInt64Bits(quantisation.Scale));

        WriteInt32(writer, state.ClientId);
        WriteByte(writer, (byte)stage);
        WriteBytes(writer, Required(state.EncryptionPrivateKey, nameof(EncryptionPrivateKey)));
        WriteBytes(writer, Required(state.MaskingPrivateKey, nameof(MaskingPrivateKey)));

        var neighbourKeys = Required(state.NeighbourKeys, nameof(NeighbourKeys));
        WriteInt32(writer, neighbourKeys.Length);
        foreach (var advert in neighbourKeys)
        {
            var checkedAdvert = advert ?? throw new ArgumentException("The state holds a null advertisement.", nameof(state));
            WriteInt32(writer, checkedAdvert.ClientId);
            WriteBytes(writer, Required(checkedAdvert.EncryptionPublicKey, nameof(AdvertiseKeys.EncryptionPublicKey)));
            WriteBytes(writer, Required(checkedAdvert.MaskingPublicKey, nameof(AdvertiseKeys.MaskingPublicKey)));
            WriteOptionalBytes(writer, checkedAdvert.Signature);
        }

        var heldShares = Required(state.HeldShares, nameof(HeldShares));
        WriteInt32(writer, heldShares.Length);
        foreach (var held in heldShares)
        {
            var checkedHeld = held ?? throw new ArgumentException("The state holds a null share entry.", nameof(state));
            WriteInt32(writer, checkedHeld.Owner);
            WriteValues(writer, Required(checkedHeld.MaskingKeyShare, nameof(SecureAggregationHeldShares.MaskingKeyShare)));
            WriteValues(writer, Required(checkedHeld.SelfMaskShare, nameof(SecureAggregationHeldShares.SelfMaskShare)));
        }

        var sharedKeys = Required(state.SharedKeys, nameof(SharedKeys));
        WriteInt32(writer, sharedKeys.Length);
        foreach (var client in sharedKeys)
        {
            WriteInt32(writer, client);
        }
        WriteOptionalBytes(writer, state.SelfMaskSeed);

        var body = writer.WrittenSpan;
        var result = new byte[body.Length + ChecksumBytes];
        body.CopyTo(result);
        SHA256.HashData(body, result.AsSpan(body.Length));
        writer.Clear(); // zeroes the copy of the secrets
        return result;
    }

    /// <summary>
    /// The state <see cref="Serialize"/> wrote. It checks the form (magic, version, checksum, lengths, field ranges and the
    /// round configuration); <see cref="SecureAggregationClient.Restore"/> checks the rest against the neighbour graph.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a state of this version, are truncated or corrupt, or hold values out of range.</exception>
    public static SecureAggregationClientState Deserialize(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < Magic.Length + 1 + ChecksumBytes)
        {
            throw new FormatException($"{What}: {bytes.Length:N0} bytes are too few; a state has at least {Magic.Length + 1 + ChecksumBytes} (magic, version, checksum).");
        }
        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new FormatException($"{What}: bytes 0-3 are not the magic 'SACS'; this is not a saved client state.");
        }
        if (bytes[Magic.Length] != FormatVersion)
        {
            throw new FormatException($"{What}: offset 4 holds format version {bytes[Magic.Length]}; this reader knows version {FormatVersion}.");
        }
        var bodyLength = bytes.Length - ChecksumBytes;
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        SHA256.HashData(bytes.AsSpan(0, bodyLength), checksum);
        if (!CryptographicOperations.FixedTimeEquals(checksum, bytes.AsSpan(bodyLength)))
        {
            throw new FormatException($"{What}: the SHA-256 checksum at offset {bodyLength:N0} does not match; the state is truncated or corrupt.");
        }

        var reader = new WireReader(bytes[..bodyLength], What);
        _ = reader.Take(Magic.Length + 1);

        var roundIdAt = reader.Offset;
        string roundId;
        try
        {
            roundId = StrictUtf8.GetString(ReadBytes(reader, "the round id"));
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"{What}: the round id at offset {roundIdAt:N0} is not UTF-8.", e);
        }
        var clients = reader.ReadInt32();
        var parameters = reader.ReadInt32();
        var threshold = reader.ReadInt32();
        var graphAt = reader.Offset;
        var graph = (NeighbourGraphKind)reader.ReadByte();
        if (!Enum.IsDefined(graph))
        {
            throw new FormatException($"{What}: offset {graphAt:N0} holds graph kind {(int)graph}, neither Complete (0) nor Harary (1).");
        }
        var neighbours = reader.ReadInt32();
        var graphSeed = ReadInt64(reader);
        var clipRange = BitConverter.Int64BitsToDouble(ReadInt64(reader));
        var scale = BitConverter.Int64BitsToDouble(ReadInt64(reader));
        var config = new SecureAggregationConfig(roundId, clients, parameters, threshold, graph, neighbours, graphSeed, new QuantisationConfig(clipRange, scale));
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{What}: the round configuration is invalid: {e.Message}", e);
        }

        var clientAt = reader.Offset;
        var clientId = reader.ReadInt32();
        if (clientId < 0 || clientId >= clients)
        {
            throw new FormatException($"{What}: offset {clientAt:N0} holds client {clientId}; the round has clients 0 to {clients - 1}.");
        }
        var stageAt = reader.Offset;
        var stage = reader.ReadByte();
        if (stage >= StageNames.Count)
        {
            throw new FormatException($"{What}: offset {stageAt:N0} holds stage {stage}; stages are 0 to {StageNames.Count - 1}.");
        }
        var encryptionKey = ReadBytes(reader, "the encryption private key", SecureAggregationCrypto.PrivateKeyBytes);
        var maskingKey = ReadBytes(reader, "the masking private key", SecureAggregationCrypto.PrivateKeyBytes);

        var neighbourKeys = new AdvertiseKeys[ReadCount(reader, clients - 1, "advertisements")];
        for (var i = 0; i < neighbourKeys.Length; i++)
        {
            var neighbour = ReadClient(reader, clients, "advertisement");
            var encryption = ReadBytes(reader, "an encryption public key", SecureAggregationCrypto.PublicKeyBytes);
            var masking = ReadBytes(reader, "a masking public key", SecureAggregationCrypto.PublicKeyBytes);
            neighbourKeys[i] = new AdvertiseKeys(neighbour, encryption, masking, ReadOptionalBytes(reader, "a signature"));
        }

        var keyChunks = ShamirSecretSharing.ChunkCount(SecureAggregationCrypto.PrivateKeyBytes);
        var seedChunks = ShamirSecretSharing.ChunkCount(SecureAggregationCrypto.SelfMaskSeedBytes);
        var heldShares = new SecureAggregationHeldShares[ReadCount(reader, clients, "held shares")];
        for (var i = 0; i < heldShares.Length; i++)
        {
            var owner = ReadClient(reader, clients, "share owner");
            heldShares[i] = new SecureAggregationHeldShares(owner, ReadValues(reader, keyChunks, "a masking-key share"), ReadValues(reader, seedChunks, "a self-mask share"));
        }

        var sharedKeys = new int[ReadCount(reader, clients, "clients that shared keys")];
        for (var i = 0; i < sharedKeys.Length; i++)
        {
            sharedKeys[i] = ReadClient(reader, clients, "client that shared keys");
        }
        var selfMaskSeed = ReadOptionalBytes(reader, "the self-mask seed", SecureAggregationCrypto.SelfMaskSeedBytes);
        reader.EnsureEnd();

        return new SecureAggregationClientState(config, clientId, StageNames[stage], encryptionKey, maskingKey, neighbourKeys, heldShares, sharedKeys, selfMaskSeed);
    }

    /// <summary>The index of <paramref name="stage"/> in <see cref="StageNames"/>, −1 when it is none of them (case matters).</summary>
    internal static int StageIndex(string? stage)
    {
        for (var i = 0; i < StageNames.Count; i++)
        {
            if (string.Equals(StageNames[i], stage, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    private static T Required<T>(T? value, string name)
        where T : class =>
        value ?? throw new ArgumentException($"The state's {name} is null.", nameof(value));

    private static void WriteByte(ArrayBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    private static void WriteInt32(ArrayBufferWriter<byte> writer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    private static void WriteBytes(ArrayBufferWriter<byte> writer, byte[] value)
    {
        WriteInt32(writer, value.Length);
        writer.Write(value);
    }

    /// <summary>−1 for null, else the length and the bytes.</summary>
    private static void WriteOptionalBytes(ArrayBufferWriter<byte> writer, byte[]? value)
    {
        if (value is null)
        {
            WriteInt32(writer, -1);
        }
        else
        {
            WriteBytes(writer, value);
        }
    }

    private static void WriteValues(ArrayBufferWriter<byte> writer, ulong[] values)
    {
        WriteInt32(writer, values.Length);
        foreach (var value in values)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(writer.GetSpan(8), value);
            writer.Advance(8);
        }
    }

    private static long ReadInt64(WireReader reader) => BinaryPrimitives.ReadInt64LittleEndian(reader.Take(8));

    private static int ReadCount(WireReader reader, int max, string what)
    {
        var at = reader.Offset;
        var count = reader.ReadInt32();
        if (count < 0 || count > max)
        {
            throw new FormatException($"{What}: offset {at:N0} says {count:N0} {what}; 0 to {max:N0} fit the round.");
        }
        return count;
    }

    private static int ReadClient(WireReader reader, int clients, string what)
    {
        var at = reader.Offset;
        var client = reader.ReadInt32();
        if (client < 0 || client >= clients)
        {
            throw new FormatException($"{What}: the {what} at offset {at:N0} is client {client}; the round has clients 0 to {clients - 1}.");
        }
        return client;
    }

    private static byte[] ReadBytes(WireReader reader, string what, int? expected = null) =>
        ReadOptionalBytes(reader, what, expected) ?? throw new FormatException($"{What}: {what} at offset {reader.Offset - 4:N0} is missing (length −1).");

    /// <summary>A length, −1 for null, then that many bytes.</summary>
    private static byte[]? ReadOptionalBytes(WireReader reader, string what, int? expected = null)
    {
        var at = reader.Offset;
        var length = reader.ReadInt32();
        if (length == -1)
        {
            return null;
        }
        if (length < 0 || (expected is { } exact && length != exact))
        {
            throw new FormatException($"{What}: {what} at offset {at:N0} is said to have {length:N0} bytes{(expected is null ? "" : $", not {expected}")}.");
        }
        return reader.Take(length).ToArray();
    }

    private static ulong[] ReadValues(WireReader reader, int expected, string what)
    {
        var at = reader.Offset;
        var count = reader.ReadInt32();
        if (count != expected)
        {
            throw new FormatException($"{What}: {what} at offset {at:N0} has {count:N0} field elements, not {expected}.");
        }
        var values = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            var valueAt = reader.Offset;
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(reader.Take(8));
            if (values[i] >= MersenneField.Prime)
            {
                throw new FormatException($"{What}: the field element at offset {valueAt:N0} of {what} is not below p = 2^61 − 1.");
            }
        }
        return values;
    }
}
