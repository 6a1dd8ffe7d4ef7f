using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using AesNi = System.Runtime.Intrinsics.X86.Aes;
using Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>Whether a mask is added to or subtracted from a vector (mod 2^32).</summary>
public enum MaskDirection
{
    /// <summary>vector += PRG(seed).</summary>
    Add,

    /// <summary>vector −= PRG(seed).</summary>
    Subtract,
}

/// <summary>
/// The pseudorandom generator of secure aggregation's masks (Bonawitz et al. 2017 use AES in counter mode): a 32-byte
/// seed expands into a stream of uint32 words, word j being the little-endian bytes 4j..4j+3 of
/// AES-128_K(N ⊕ LE128(⌊j/4⌋)), where K is the seed's first 16 bytes and N its last 16 (a whitening of the counter blocks,
/// so both halves of the seed count and no two seeds share a key stream by accident). Any word range can be produced
/// directly (counter mode seeks), which lets the server split its unmasking work over coordinate chunks.
/// <para>
/// Where the CPU has AES-NI the blocks are encrypted with <see cref="AesNi"/> eight at a time (the AES units are
/// pipelined) and added straight into the target without a keystream buffer; elsewhere the BCL's AES-ECB encrypts the
/// counter blocks. Both give the same words (the tests compare them with the BCL).
/// </para>
/// </summary>
public sealed class SeededMask
{
    /// <summary>Seed bytes: a 16-byte AES-128 key and a 16-byte counter whitening.</summary>
    public const int SeedBytes = 32;

    private const int Rounds = 10;
    private const int PortableBlocks = 1024;

    private readonly Vector128<byte>[] _roundKeys;
    private readonly Vector128<byte> _whitening;
    private readonly byte[] _key;
    private readonly byte[] _whiteningBytes;

    /// <summary>A mask from <paramref name="seed"/> (32 bytes), applied in <paramref name="direction"/>.</summary>
    public SeededMask(ReadOnlySpan<byte> seed, MaskDirection direction)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"A mask seed has {SeedBytes} bytes, not {seed.Length}.", nameof(seed));
        }
        Direction = direction;
        _key = seed[..16].ToArray();
        _whiteningBytes = seed[16..].ToArray();
        _whitening = Vector128.Create(_whiteningBytes);
        _roundKeys = AesNi.IsSupported ? ExpandKey(Vector128.Create(_key)) : [];
    }

    /// <summary>Whether the mask is added or subtracted.</summary>
    public MaskDirection Direction { get; }

    /// <summary>Whether this process expands masks with AES-NI (else with the BCL's AES, several times slower).</summary>
    public static bool Accelerated => AesNi.IsSupported && Sse2.IsSupported;

    /// <summary>target[i] ±= word (firstWord + i) of the stream, mod 2^32.</summary>
    public void ApplyTo(Span<uint> target, long firstWord)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstWord);
        if (target.IsEmpty)
        {
            return;
        }
        if (Accelerated)
        {
            if (Direction == MaskDirection.Add)
            {
                ApplyAccelerated<AddWords>(target, firstWord);
            }
            else
            {
                ApplyAccelerated<SubtractWords>(target, firstWord);
            }
        }
        else
        {
            ApplyPortable(target, firstWord);
        }
    }

    /// <summary>The first <paramref name="words"/> words of the stream of <paramref name="seed"/>.</summary>
    public static uint[] Expand(ReadOnlySpan<byte> seed, int words)
    {
        var stream = new uint[words];
        new SeededMask(seed, MaskDirection.Add).ApplyTo(stream, 0);
        return stream;
    }

    /// <summary>
    /// Applies every mask to <paramref name="target"/> (whose word 0 is stream word 0), split over coordinate chunks of
    /// 16 KB on up to <paramref name="threads"/> threads: each chunk stays in the L1 cache while all masks pass over it,
    /// and since addition mod 2^32 is exact the result does not depend on the split or the order.
    /// </summary>
    public static void ApplyAll(uint[] target, IReadOnlyList<SeededMask> masks, int threads)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(masks);
        const int chunkWords = 4096;
        var chunks = (target.Length + chunkWords - 1) / chunkWords;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, chunk =>
        {
            var start = chunk * chunkWords;
            var span = target.AsSpan(start, Math.Min(chunkWords, target.Length - start));
            for (var m = 0; m < masks.Count; m++)
            {
                masks[m].ApplyTo(span, start);
            }
        });
    }

    private void ApplyAccelerated<TOperation>(Span<uint> target, long firstWord)
        where TOperation : struct, IWordOperation
    {
        var block = (ulong)firstWord >> 2;
        var i = 0;
        var length = target.Length;
        var offset = (int)(firstWord & 3);
        Span<uint> partial = stackalloc uint[4];
        if (offset != 0)
        {
            EncryptBlock(block++).AsUInt32().CopyTo(partial);
            var take = Math.Min(4 - offset, length);
            for (var w = 0; w < take; w++)
            {
                target[w] = TOperation.Apply(target[w], partial[offset + w]);
            }
            i = take;
        }

        ref var words = ref MemoryMarshal.GetReference(target);
        var rk = _roundKeys;
        var k0 = rk[0];
        var k1 = rk[1];
        var k2 = rk[2];
        var k3 = rk[3];
        var k4 = rk[4];
        var k5 = rk[5];
        var k6 = rk[6];
        var k7 = rk[7];
        var k8 = rk[8];
        var k9 = rk[9];
        var k10 = rk[10];
        // Counter blocks are N ⊕ (index, 0); folding N into the first round key saves one xor per block, and the eight
        // counters of an iteration are one vector add each from the first.
        var start = _whitening ^ k0;
        var counter = Vector128.Create(block, 0UL);
        var one = Vector128.Create(1UL, 0UL);
        var two = Vector128.Create(2UL, 0UL);
        var three = Vector128.Create(3UL, 0UL);
        var four = Vector128.Create(4UL, 0UL);
        var eight = Vector128.Create(8UL, 0UL);
        for (; i + 32 <= length; i += 32, counter += eight)
        {
            var high = counter + four;
            var b0 = start ^ counter.AsByte();
            var b1 = start ^ (counter + one).AsByte();
            var b2 = start ^ (counter + two).AsByte();
            var b3 = start ^ (counter + three).AsByte();
            var b4 = start ^ high.AsByte();
            var b5 = start ^ (high + one).AsByte();
            var b6 = start ^ (high + two).AsByte();
            var b7 = start ^ (high + three).AsByte();
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k1);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k2);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k3);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k4);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k5);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k6);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k7);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k8);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k9);
            var at = (nuint)i;
            Store<TOperation>(ref words, at, AesNi.EncryptLast(b0, k10));
            Store<TOperation>(ref words, at + 4, AesNi.EncryptLast(b1, k10));
            Store<TOperation>(ref words, at + 8, AesNi.EncryptLast(b2, k10));
            Store<TOperation>(ref words, at + 12, AesNi.EncryptLast(b3, k10));
            Store<TOperation>(ref words, at + 16, AesNi.EncryptLast(b4, k10));
            Store<TOperation>(ref words, at + 20, AesNi.EncryptLast(b5, k10));
            Store<TOperation>(ref words, at + 24, AesNi.EncryptLast(b6, k10));
            Store<TOperation>(ref words, at + 28, AesNi.EncryptLast(b7, k10));
        }
        block = counter.ToScalar();
        for (; i + 4 <= length; i += 4, block++)
        {
            Store<TOperation>(ref words, (nuint)i, EncryptBlock(block));
        }
        if (i < length)
        {
            EncryptBlock(block).AsUInt32().CopyTo(partial);
            for (var w = 0; i < length; i++, w++)
            {
                target[i] = TOperation.Apply(target[i], partial[w]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector128<byte> b0, ref Vector128<byte> b1, ref Vector128<byte> b2, ref Vector128<byte> b3,
        ref Vector128<byte> b4, ref Vector128<byte> b5, ref Vector128<byte> b6, ref Vector128<byte> b7, Vector128<byte> key)
    {
        b0 = AesNi.Encrypt(b0, key);
        b1 = AesNi.Encrypt(b1, key);
        b2 = AesNi.Encrypt(b2, key);
        b3 = AesNi.Encrypt(b3, key);
        b4 = AesNi.Encrypt(b4, key);
        b5 = AesNi.Encrypt(b5, key);
        b6 = AesNi.Encrypt(b6, key);
        b7 = AesNi.Encrypt(b7, key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TOperation>(ref uint words, nuint at, Vector128<byte> keystream)
        where TOperation : struct, IWordOperation
    {
        var current = Vector128.LoadUnsafe(ref words, at);
        TOperation.Apply(current, keystream.AsUInt32()).StoreUnsafe(ref words, at);
    }

    private Vector128<byte> EncryptBlock(ulong block)
    {
        var state = _whitening ^ Vector128.Create(block, 0UL).AsByte() ^ _roundKeys[0];
        for (var r = 1; r < Rounds; r++)
        {
            state = AesNi.Encrypt(state, _roundKeys[r]);
        }
        return AesNi.EncryptLast(state, _roundKeys[Rounds]);
    }

    private void ApplyPortable(Span<uint> target, long firstWord)
    {
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = _key;
        var counters = new byte[PortableBlocks * 16];
        var keystream = new byte[PortableBlocks * 16];
        var block = (ulong)firstWord >> 2;
        var skip = (int)(firstWord & 3);
        var done = 0;
        while (done < target.Length)
        {
            var words = Math.Min(target.Length - done + skip, PortableBlocks * 4);
            var blocks = (words + 3) / 4;
            for (var b = 0; b < blocks; b++)
            {
                var counter = counters.AsSpan(b * 16, 16);
                _whiteningBytes.CopyTo(counter);
                BinaryPrimitives.WriteUInt64LittleEndian(counter, BinaryPrimitives.ReadUInt64LittleEndian(counter) ^ (block + (ulong)b));
            }
            aes.EncryptEcb(counters.AsSpan(0, blocks * 16), keystream.AsSpan(0, blocks * 16), PaddingMode.None);
            var take = Math.Min(words - skip, target.Length - done);
            for (var w = 0; w < take; w++)
            {
                var value = BinaryPrimitives.ReadUInt32LittleEndian(keystream.AsSpan((skip + w) * 4));
                target[done + w] = Direction == MaskDirection.Add ? target[done + w] + value : target[done + w] - value;
            }
            done += take;
            block += (ulong)blocks;
            skip = 0;
        }
    }

    /// <summary>The AES-128 key schedule (FIPS-197 §5.2) with AESKEYGENASSIST.</summary>
    private static Vector128<byte>[] ExpandKey(Vector128<byte> key)
    {
        var keys = new Vector128<byte>[Rounds + 1];
        keys[0] = key;
        keys[1] = NextRoundKey(keys[0], AesNi.KeygenAssist(keys[0], 0x01));
        keys[2] = NextRoundKey(keys[1], AesNi.KeygenAssist(keys[1], 0x02));
        keys[3] = NextRoundKey(keys[2], AesNi.KeygenAssist(keys[2], 0x04));
        keys[4] = NextRoundKey(keys[3], AesNi.KeygenAssist(keys[3], 0x08));
        keys[5] = NextRoundKey(keys[4], AesNi.KeygenAssist(keys[4], 0x10));
        keys[6] = NextRoundKey(keys[5], AesNi.KeygenAssist(keys[5], 0x20));
        keys[7] = NextRoundKey(keys[6], AesNi.KeygenAssist(keys[6], 0x40));
        keys[8] = NextRoundKey(keys[7], AesNi.KeygenAssist(keys[7], 0x80));
        keys[9] = NextRoundKey(keys[8], AesNi.KeygenAssist(keys[8], 0x1b));
        keys[10] = NextRoundKey(keys[9], AesNi.KeygenAssist(keys[9], 0x36));
        return keys;
    }

    private static Vector128<byte> NextRoundKey(Vector128<byte> previous, Vector128<byte> assist)
    {
        // Broadcast the assist's word 3 (RotWord(SubWord(w3)) ⊕ rcon), then xor the previous key's running prefix.
        var rotated = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
        var key = previous;
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        return key ^ rotated;
    }

    private interface IWordOperation
    {
        static abstract uint Apply(uint current, uint mask);

        static abstract Vector128<uint> Apply(Vector128<uint> current, Vector128<uint> mask);
    }

    private readonly struct AddWords : IWordOperation
    {
        public static uint Apply(uint current, uint mask) => current + mask;

        public static Vector128<uint> Apply(Vector128<uint> current, Vector128<uint> mask) => current + mask;
    }

    private readonly struct SubtractWords : IWordOperation
    {
        public static uint Apply(uint current, uint mask) => current - mask;

        public static Vector128<uint> Apply(Vector128<uint> current, Vector128<uint> mask) => current - mask;
    }
}
