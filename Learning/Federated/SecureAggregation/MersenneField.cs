using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// Arithmetic in GF(p) with the Mersenne prime p = 2^61 − 1, the field of <see cref="ShamirSecretSharing"/>. It holds
/// 7-byte secret chunks (2^56 &lt; p) and share x-coordinates for millions of clients; products fit a
/// <see cref="UInt128"/> and reduce with two shifts and adds because 2^61 ≡ 1 (mod p).
/// </summary>
public static class MersenneField
{
    /// <summary>p = 2^61 − 1.</summary>
    public const ulong Prime = (1UL << 61) - 1;

    /// <summary>(a + b) mod p for a, b &lt; p.</summary>
    public static ulong Add(ulong a, ulong b)
    {
        var sum = a + b;
        return sum >= Prime ? sum - Prime : sum;
    }

    /// <summary>(a − b) mod p for a, b &lt; p.</summary>
    public static ulong Subtract(ulong a, ulong b) => a >= b ? a - b : a + Prime - b;

    /// <summary>(a · b) mod p for a, b &lt; p.</summary>
    public static ulong Multiply(ulong a, ulong b)
    {
        var product = (UInt128)a * b;
        // product = high·2^61 + low ≡ high + low (mod p); both parts are below 2^61, so one fold and one subtraction reduce it.
        var folded = ((ulong)product & Prime) + (ulong)(product >> 61);
        folded = (folded & Prime) + (folded >> 61);
        return folded >= Prime ? folded - Prime : folded;
    }

    /// <summary>a^exponent mod p.</summary>
    public static ulong Power(ulong a, ulong exponent)
    {
        var result = 1UL;
        var square = a;
        while (exponent != 0)
        {
            if ((exponent & 1) != 0)
            {
                result = Multiply(result, square);
            }
            square = Multiply(square, square);
            exponent >>= 1;
        }
        return result;
    }

    /// <summary>a^−1 mod p (Fermat: a^(p−2)); a must not be zero.</summary>
    public static ulong Inverse(ulong a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("Zero has no inverse in GF(2^61 - 1).");
        }
        return Power(a, Prime - 2);
    }

    /// <summary>Replaces every element of <paramref name="values"/> (none zero) by its inverse with one exponentiation (Montgomery's trick).</summary>
    public static void InvertAll(Span<ulong> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var prefix = new ulong[values.Length];
        var running = 1UL;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] == 0)
            {
                throw new DivideByZeroException("Zero has no inverse in GF(2^61 - 1).");
            }
            prefix[i] = running;
            running = Multiply(running, values[i]);
        }
        var inverse = Inverse(running);
        for (var i = values.Length - 1; i >= 0; i--)
        {
            var value = values[i];
            values[i] = Multiply(inverse, prefix[i]);
            inverse = Multiply(inverse, value);
        }
    }

    /// <summary>A uniformly random field element from the system's cryptographic generator (rejection sampling of 61-bit values).</summary>
    public static ulong Random()
    {
        Span<byte> bytes = stackalloc byte[8];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var candidate = BinaryPrimitives.ReadUInt64LittleEndian(bytes) & Prime;
            if (candidate != Prime)
            {
                return candidate;
            }
        }
    }
}
