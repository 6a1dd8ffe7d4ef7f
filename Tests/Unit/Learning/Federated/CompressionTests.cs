using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Tests.Learning.Federated;

public sealed class CompressionTests
{
    private static float[] RandomVector(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => scale * ((float)random.NextDouble() - 0.5f))];
    }

    [Fact]
    public void TheRawCodecSendsTheHeaderAndEveryFloatAndDecodesThemExactly()
    {
        float[] values = [1.5f, -2.25f, 0f, 3e-8f];
        var codec = new RawFloatCodec();
        var payload = codec.Encode(values);
        Assert.Equal(8 + (4 * 4), payload.Length);
        Assert.Equal([(byte)'F', (byte)'L', (byte)'N', 1, 4, 0, 0, 0], payload[..8]);
        Assert.Equal([0, 0, 0xC0, 0x3F], payload[8..12]); // 1.5f little-endian
        Assert.Equal(values, codec.Decode(payload, 4));
    }

    [Fact]
    public void Int8QuantisesToTheNearestStepOfTheLargestMagnitudeOver127()
    {
        // max |x| = 127, so the scale is 1: 1.2 → 1, −3.7 → −4, 0.4 → 0.
        var codec = new Int8Quantizer();
        var payload = codec.Encode([127f, 1.2f, -3.7f, 0.4f]);
        Assert.Equal(8 + 4 + 8 + 4, payload.Length);
        Assert.Equal([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0x80, 0x3F], payload[8..20]); // 1 segment, length 4, scale 1f
        Assert.Equal([0x7F, 0x01, 0xFC, 0x00], payload[20..]);
        Assert.Equal([127f, 1f, -4f, 0f], codec.Decode(payload, 4));
    }

    [Fact]
    public void Int8KeepsOneScalePerSegment()
    {
        // Segments [2, −1] and [0.01, 0.0254]: scales 2/127 and 0.0254/127, so the small tensor keeps its precision.
        var codec = new Int8Quantizer([2, 2]);
        float[] values = [2f, -1f, 0.01f, 0.0254f];
        var decoded = codec.Decode(codec.Encode(values), 4);
        Assert.Equal(2f, decoded[0], 1e-6f);
        Assert.Equal(-2f / 127 * 64, decoded[1], 1e-6f); // −1 / (2/127) = −63.5 → −64 (ties to even)
        Assert.Equal(0.0254f / 127 * 50, decoded[2], 1e-7f); // 0.01 / (0.0254/127) = 50.0
        Assert.Equal(0.0254f, decoded[3], 1e-7f);
        Assert.Throws<ArgumentException>(() => codec.Encode([1f, 2f, 3f]));
    }

    [Fact]
    public void Int8ErrsByAtMostHalfAScalePerValue()
    {
        // Segments of very different magnitudes, as a net's tensors are.
        var segments = new[] { 1_000, 50_000, 7, 20_000 };
        var values = new float[segments.Sum()];
        var offset = 0;
        for (var s = 0; s < segments.Length; s++)
        {
            RandomVector(segments[s], seed: 20 + s, scale: MathF.Pow(10, -s)).CopyTo(values, offset);
            offset += segments[s];
        }
        var codec = new Int8Quantizer(segments);
        var decoded = codec.Decode(codec.Encode(values), values.Length);
        offset = 0;
        foreach (var length in segments)
        {
            var scale = Int8Quantizer.ScaleOf(values.AsSpan(offset, length));
            for (var i = offset; i < offset + length; i++)
            {
                // s/2, plus the float rounding of q·s itself (relative 2⁻²⁴ of the value).
                Assert.True(Math.Abs(values[i] - decoded[i]) <= (scale / 2 * (1 + 1e-6)) + (Math.Abs(values[i]) * 1e-7),
                    $"value {i}: {values[i]} decoded as {decoded[i]}, scale {scale}");
            }
            offset += length;
        }
    }

    [Fact]
    public void Int8StochasticRoundingIsUnbiasedAndReproducibleFromItsSeed()
    {
        // Scale 1 (max 127): 0.3 becomes 1 with probability 0.3, else 0; −2.7 becomes −3 with probability 0.7, else −2.
        float[] values = [127f, 0.3f, -2.7f, 50.25f];
        const int draws = 4_000;
        var codec = new Int8Quantizer(stochasticRounding: true, seed: 9);
        var sums = new double[values.Length];
        for (var d = 0; d < draws; d++)
        {
            var decoded = codec.Decode(codec.Encode(values), values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                Assert.True(decoded[i] == MathF.Floor(values[i]) || decoded[i] == MathF.Ceiling(values[i]), $"{values[i]} → {decoded[i]}");
                sums[i] += decoded[i];
            }
        }
        // Mean within 5 standard errors √(p(1 − p)/N) of the value.
        double[] p = [0, 0.3, 0.7, 0.25];
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], sums[i] / draws, (5 * Math.Sqrt(p[i] * (1 - p[i]) / draws)) + 1e-9);
        }
        var x = RandomVector(1_000, seed: 10);
        Assert.Equal(new Int8Quantizer(true, 5).Encode(x), new Int8Quantizer(true, 5).Encode(x));
        Assert.NotEqual(new Int8Quantizer(true, 5).Encode(x), new Int8Quantizer(true, 6).Encode(x));
    }

    [Fact]
    public void Int8OfAllZerosHasScaleZeroAndDecodesToZeros()
    {
        var codec = new Int8Quantizer();
        Assert.Equal(new float[5], codec.Decode(codec.Encode(new float[5]), 5));
        Assert.Equal(0f, Int8Quantizer.ScaleOf(new float[5]));
    }

    [Fact]
    public void TopKKeepsTheLargestMagnitudesAndCarriesTheRestAsResidual()
    {
        // k = ⌈0.5·6⌉ = 3: −5, 4 and 3 at indices 1, 5, 2.
        var sparsifier = new TopKSparsifier(0.5);
        var sparse = sparsifier.Compress([0.1f, -5f, 3f, 0.2f, -0.05f, 4f]);
        Assert.Equal([1, 2, 5], sparse.Indices);
        Assert.Equal([-5f, 3f, 4f], sparse.Values);
        Assert.Equal([0.1f, 0f, 0f, 0.2f, -0.05f, 0f], sparsifier.Residual!);
        Assert.Equal([0f, -5f, 3f, 0f, 0f, 4f], sparse.ToDense());
    }

    [Fact]
    public void TopKAddsTheResidualBeforeChoosing()
    {
        // k = 1 of 2. Round 1: [1, 0.5] sends 1 at 0, keeps 0.5. Round 2: [0.2, 0.4] + [0, 0.5] = [0.2, 0.9] sends 0.9 at 1.
        var sparsifier = new TopKSparsifier(0.5);
        Assert.Equal([1f, 0f], sparsifier.Decode(sparsifier.Encode([1f, 0.5f]), 2));
        Assert.Equal([0f, 0.9f], sparsifier.Decode(sparsifier.Encode([0.2f, 0.4f]), 2));
        Assert.Equal([0.2f, 0f], sparsifier.Residual!);
        var plain = new TopKSparsifier(0.5, errorFeedback: false);
        plain.Encode([1f, 0.5f]);
        Assert.Equal([0f, 0.4f], plain.Decode(plain.Encode([0.2f, 0.4f]), 2));
        Assert.Null(plain.Residual);
    }

    [Fact]
    public void TopKBreaksTiesAtTheThresholdTowardsLowerIndices()
    {
        var sparse = new TopKSparsifier(0.5).Compress([1f, -1f, 1f, 1f, 0.5f, -1f]);
        Assert.Equal([0, 1, 2], sparse.Indices);
    }

    [Fact]
    public void TopKOfALongVectorPicksTheSameEntriesAsSortingByMagnitude()
    {
        var values = RandomVector(100_003, seed: 14);
        var sparse = new TopKSparsifier(0.01).Compress(values);
        Assert.Equal(1_001, sparse.Indices.Length); // ⌈1,000.03⌉
        var bySorting = Enumerable.Range(0, values.Length).OrderByDescending(i => Math.Abs(values[i])).Take(1_001).Order();
        Assert.Equal(bySorting, sparse.Indices);
    }

    [Fact]
    public void WithErrorFeedbackEverythingSentPlusTheResidualIsEverythingPutIn()
    {
        const int length = 5_000;
        var sparsifier = new TopKSparsifier(0.02);
        var input = new double[length];
        var sent = new double[length];
        for (var round = 0; round < 60; round++)
        {
            var delta = RandomVector(length, seed: 100 + round);
            var decoded = sparsifier.Decode(sparsifier.Encode(delta), length);
            for (var i = 0; i < length; i++)
            {
                input[i] += delta[i];
                sent[i] += decoded[i];
            }
        }
        var residual = sparsifier.Residual!;
        Assert.Contains(residual, r => r != 0);
        for (var i = 0; i < length; i++)
        {
            // Only the float additions residual + delta round; 60 of them stay far below 1e-5.
            Assert.Equal(input[i], sent[i] + residual[i], 1e-5);
        }
    }

    [Fact]
    public void TopKWritesIndicesAsVarintGapsThenFloats()
    {
        // One value at 300 of 1,000: varint 300 = 0xAC 0x02. 8 + 4 + 2 + 4 bytes.
        var values = new float[1_000];
        values[300] = -2f;
        var sparsifier = new TopKSparsifier(0.001);
        var payload = sparsifier.Encode(values);
        Assert.Equal(18, payload.Length);
        Assert.Equal([(byte)'F', (byte)'L', (byte)'K', 1, 0xE8, 0x03, 0, 0, 1, 0, 0, 0, 0xAC, 0x02, 0, 0, 0, 0xC0], payload);
        Assert.Equal(values, sparsifier.Decode(payload, 1_000));
        // Gaps: indices 1, 2, 5 as 1, 1, 3.
        var three = TopKSparsifier.Serialize(new SparseUpdate(6, [1, 2, 5], [1f, 2f, 3f]));
        Assert.Equal(27, three.Length);
        Assert.Equal([1, 1, 3], three[12..15]);
    }

    public static TheoryData<string> Codecs => ["none", "int8", "top-k"];

    [Theory]
    [MemberData(nameof(Codecs))]
    public void DecodingAnyTruncatedPayloadThrowsAFormatExceptionWithTheOffset(string name)
    {
        var values = RandomVector(40, seed: 15);
        var payload = UpdateCodecs.Create(name, topKFraction: 0.25).Encode(values);
        var decoder = UpdateCodecs.Create(name);
        for (var cut = 0; cut < payload.Length; cut++)
        {
            var error = Assert.Throws<FormatException>(() => decoder.Decode(payload[..cut], 40));
            Assert.Contains("offset", error.Message, StringComparison.Ordinal);
        }
        Assert.Throws<FormatException>(() => decoder.Decode([.. payload, 0], 40));
        Assert.Throws<FormatException>(() => decoder.Decode(payload, 41));
        var otherCodec = UpdateCodecs.Create(name == "none" ? "int8" : "none").Encode(values);
        Assert.Contains("codec tag", Assert.Throws<FormatException>(() => decoder.Decode(otherCodec, 40)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodingRefusesMalformedContent()
    {
        var raw = new RawFloatCodec().Encode([1f, 2f]);
        raw[12..16].AsSpan().Clear();
        BitConverter.GetBytes(float.NaN).CopyTo(raw, 12);
        Assert.Contains("offset 12", Assert.Throws<FormatException>(() => new RawFloatCodec().Decode(raw, 2)).Message, StringComparison.Ordinal);

        var int8 = new Int8Quantizer().Encode([1f, 2f]);
        int8[^1] = 0x80; // −128
        Assert.Contains("offset 21", Assert.Throws<FormatException>(() => new Int8Quantizer().Decode(int8, 2)).Message, StringComparison.Ordinal);

        var topK = TopKSparsifier.Serialize(new SparseUpdate(6, [1, 2], [1f, 2f]));
        topK[13] = 0; // a zero gap: index 1 twice
        Assert.Contains("offset 13", Assert.Throws<FormatException>(() => TopKSparsifier.Parse(topK, 6)).Message, StringComparison.Ordinal);
        var outside = TopKSparsifier.Serialize(new SparseUpdate(6, [1, 5], [1f, 2f]));
        Assert.Throws<FormatException>(() => TopKSparsifier.Parse(outside, 5));
        var huge = TopKSparsifier.Serialize(new SparseUpdate(6, [1], [1f]));
        huge[8] = 6; // k = 6 with room for one
        Assert.Contains("truncated", Assert.Throws<FormatException>(() => TopKSparsifier.Parse(huge, 6)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => new RawFloatCodec().Decode([(byte)'X', (byte)'L', (byte)'N', 1, 0, 0, 0, 0], 0));
    }

    [Fact]
    public void TheBaselineNetsUpdateIsWellUnderTenMegabytesUnderEveryCodec()
    {
        // The shipped 6 × 48 net (models/baseline/MODEL_CARD.md): 542,533 parameters plus the 13 batch norms' running
        // means and variances, 2·(48 + 12·48 + 2 + 1) = 1,254 floats: 543,787 floats in 81 tensors
        // (stem 5, 6 blocks × 10, policy head 5 + linear 2, value head 5 + hidden 2 + output 2).
        var layout = ParameterLayout.Of(new NetConfig(BoardSize: 19, Blocks: 6, Channels: 48, ValueHidden: 64));
        Assert.Equal(543_787, layout.Length);
        Assert.Equal(81, layout.Tensors.Count);

        // An update whose 1 % largest entries are every 100th (5,438 of them: 0, 100, ..., 543,700), so every gap
        // after the first takes one varint byte.
        var update = new float[layout.Length];
        for (var i = 0; i < update.Length; i++)
        {
            update[i] = i % 100 == 0 ? 1f : 1e-3f * ((i % 7) - 3);
        }
        var none = new RawFloatCodec().Encode(update).Length;
        var int8 = Int8Quantizer.ForLayout(layout).Encode(update).Length;
        var topK = new TopKSparsifier(0.01).Encode(update).Length;
        Assert.Equal(2_175_156, none);  // 8 + 4 · 543,787
        Assert.Equal(544_447, int8);    // 8 + 4 + 8 · 81 + 543,787
        Assert.Equal(27_202, topK);     // 8 + 4 + 5,438 · (1 + 4)
        Assert.All([none, int8, topK], bytes => Assert.True(bytes < 10_000_000));
    }

    [Fact]
    public void TheFactoryBuildsEveryCodecByNameAndListsTheValidNamesForAnUnknownOne()
    {
        foreach (var name in UpdateCodecs.Names)
        {
            Assert.Equal(name, UpdateCodecs.Create(name).Name);
        }
        Assert.Equal(0.05, Assert.IsType<TopKSparsifier>(UpdateCodecs.Create("TOP-K", topKFraction: 0.05)).Fraction);
        Assert.True(Assert.IsType<Int8Quantizer>(UpdateCodecs.Create("int8", stochasticRounding: true)).StochasticRounding);
        var error = Assert.Throws<ArgumentException>(() => UpdateCodecs.Create("zip"));
        Assert.Contains("none, int8, top-k", error.Message, StringComparison.Ordinal);
    }
}
