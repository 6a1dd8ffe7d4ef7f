using System.CommandLine;
using System.Diagnostics;
using System.Numerics.Tensors;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Learning.Federated.SecureAggregation;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench secagg</c>: one secure-aggregation round (Bonawitz et al. 2017 with the sparse graph of Bell et al.
/// 2020) of many clients over long vectors, in one process. It measures the server's work stage by stage (routing, the
/// streamed sum of masked inputs, reconstruction, key agreement, mask removal, decoding) beside a plain float
/// aggregation of the same vectors, and the clients' work separately (real clients do theirs in parallel, each on its
/// own machine). Clients that drop out do so after sharing keys and before sending their masked input, the costly case
/// for the server (their pairwise masks with every surviving neighbour must be removed). The server keeps no input: each
/// batch of masked inputs is added into the running sum as it arrives.
/// </summary>
internal static class SecureAggregationBenchmark
{
    public static Command Command()
    {
        var clients = new Option<int>("--clients") { Description = "Clients in the round", DefaultValueFactory = _ => 1_000 };
        var parameters = new Option<int>("--parameters") { Description = "Floats per input vector", DefaultValueFactory = _ => 1_000_000 };
        var dropout = new Option<double>("--dropout") { Description = "Fraction of clients that drop out before sending their masked input", DefaultValueFactory = _ => 0.1 };
        var neighbours = new Option<int>("--neighbours") { Description = "k of the k-regular (Harary) neighbour graph; 0 = complete graph", DefaultValueFactory = _ => 40 };
        var threshold = new Option<int?>("--threshold") { Description = "Shares needed per secret (default: more than 2/3 of the neighbourhood)" };
        var threads = new Option<int>("--threads") { Description = "Threads for the server's work (and for simulating the clients)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var clip = new Option<double>("--clip") { Description = "Clip range c of the inputs", DefaultValueFactory = _ => 1.0 };
        var png = BenchPictures.PngOption();
        var seed = new Option<int>("--seed") { Description = "Seeds the graph, the inputs and who drops out", DefaultValueFactory = _ => 1 };
        var command = new Command("secagg", "Secure aggregation: the server's work per stage for one round against a plain float sum, and the clients' work")
        {
            clients, parameters, dropout, neighbours, threshold, threads, clip, seed, png,
        };
        command.SetAction(parse =>
        {
            var options = new BenchOptions(parse.GetValue(clients), parse.GetValue(parameters), parse.GetValue(dropout), parse.GetValue(neighbours),
                parse.GetValue(threshold), Math.Max(1, parse.GetValue(threads)), parse.GetValue(clip), parse.GetValue(seed));
            return Run(options, parse.GetValue(png));
        });
        return command;
    }

    private static int Run(BenchOptions options, string? png)
    {
        var config = SecureAggregationConfig.Create("bench-secagg", options.Clients, options.Parameters, options.Clip, options.Neighbours, options.Threshold, options.Seed);
        var graph = NeighbourGraph.For(config);
        var n = config.Clients;
        var order = Enumerable.Range(0, n).ToArray();
        new Random(options.Seed).Shuffle(order);
        var dropped = order.Take((int)Math.Round(options.Dropout * n)).ToHashSet();
        Console.WriteLine($"gorelay bench secagg: {Environment.ProcessorCount} cores, {options.Threads} threads, {n:N0} clients x {config.Parameters:N0} parameters, " +
            $"{(graph.IsComplete ? "complete graph" : $"{config.Neighbours}-regular Harary graph")}, threshold {config.Threshold} of {config.NeighbourhoodSize}, " +
            $"{dropped.Count:N0} drop out before the masked input, AES-NI {(SeededMask.Accelerated ? "yes" : "no")}");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads };
        using var server = new SecureAggregationServer(config, graph, threads: options.Threads);
        var clientTicks = new long[4];
        var party = new SecureAggregationClient[n];
        var total = Stopwatch.StartNew();

        // Stage 0: keys.
        var adverts = new AdvertiseKeys[n];
        Parallel.For(0, n, parallel, i =>
        {
            var started = Stopwatch.GetTimestamp();
            party[i] = new SecureAggregationClient(config, i, graph);
            adverts[i] = party[i].AdvertiseKeys();
            Interlocked.Add(ref clientTicks[0], Stopwatch.GetTimestamp() - started);
        });
        foreach (var advert in adverts)
        {
            server.Receive(advert);
        }
        var keys = server.CloseAdvertising();
        Console.WriteLine($"  keys advertised ({total.Elapsed.TotalSeconds:0.0} s)");

        // Stage 1: shares.
        var shares = new ShareKeys[n];
        Parallel.For(0, n, parallel, i =>
        {
            var started = Stopwatch.GetTimestamp();
            shares[i] = party[i].ShareKeys(keys);
            Interlocked.Add(ref clientTicks[1], Stopwatch.GetTimestamp() - started);
        });
        foreach (var share in shares)
        {
            server.Receive(share);
        }
        var deliveries = server.CloseSharing();
        Console.WriteLine($"  keys shared ({total.Elapsed.TotalSeconds:0.0} s)");

        // Stage 2: masked inputs, streamed in batches; the plain aggregation sums the same vectors as they arrive.
        var survivors = Enumerable.Range(0, n).Where(i => !dropped.Contains(i)).ToArray();
        var plainSum = new float[config.Parameters];
        var exact = new double[config.Parameters];
        var plainTicks = 0L;
        var batch = 2 * options.Threads;
        var reported = 0;
        for (var first = 0; first < survivors.Length; first += batch)
        {
            var members = survivors.AsSpan(first, Math.Min(batch, survivors.Length - first)).ToArray();
            var inputs = new float[members.Length][];
            var masked = new MaskedInput[members.Length];
            Parallel.For(0, members.Length, parallel, m =>
            {
                inputs[m] = Input(options.Seed, members[m], config.Parameters, (float)options.Clip);
                var started = Stopwatch.GetTimestamp();
                masked[m] = party[members[m]].MaskInput(deliveries[members[m]], inputs[m]);
                Interlocked.Add(ref clientTicks[2], Stopwatch.GetTimestamp() - started);
            });
            server.Receive(masked);
            var plainStarted = Stopwatch.GetTimestamp();
            AddFloats(plainSum, inputs, parallel);
            plainTicks += Stopwatch.GetTimestamp() - plainStarted;
            AddExact(exact, inputs, parallel);
            var done = first + members.Length;
            if (done * 10 / survivors.Length > reported)
            {
                reported = done * 10 / survivors.Length;
                Console.WriteLine($"  masked inputs {done:N0} / {survivors.Length:N0} ({total.Elapsed.TotalSeconds:0.0} s)");
            }
        }
        var request = server.CloseMaskedInputs();

        // Stage 3: unmasking.
        var unmasks = new Unmask[survivors.Length];
        Parallel.For(0, survivors.Length, parallel, s =>
        {
            var started = Stopwatch.GetTimestamp();
            unmasks[s] = party[survivors[s]].Unmask(request);
            Interlocked.Add(ref clientTicks[3], Stopwatch.GetTimestamp() - started);
        });
        foreach (var unmask in unmasks)
        {
            server.Receive(unmask);
        }
        var result = server.Finish();
        foreach (var client in party)
        {
            client.Dispose();
        }
        Console.WriteLine($"  unmasked ({total.Elapsed.TotalSeconds:0.0} s)");

        var worst = 0.0;
        var worstPlain = 0.0;
        var allowed = true;
        for (var j = 0; j < exact.Length; j++)
        {
            var error = Math.Abs(result.Sum[j] - exact[j]);
            worst = Math.Max(worst, error);
            worstPlain = Math.Max(worstPlain, Math.Abs(plainSum[j] - exact[j]));
            allowed &= error <= result.ErrorBound + Math.Abs(exact[j]) * 6e-8;
        }

        var timings = server.Timings;
        var pairs = timings.MaskExpansions - result.Survivors;
        var gigabytes = (double)timings.MaskExpansions * config.Parameters * 4 / 1e9;
        Console.WriteLine();
        Console.WriteLine($"  {"server work",-68} {"seconds",9}");
        var figures = new List<BarRow>();
        void Row(string label, TimeSpan time)
        {
            Console.WriteLine($"  {label,-68} {time.TotalSeconds,9:0.000}");
            figures.Add(new BarRow(label, time.TotalSeconds));
        }
        Row("routing: keys, share bundles, survivor lists", timings.Routing);
        Row($"sum of masked inputs ({result.Survivors:N0} x {config.Parameters:N0} uint32, streamed)", timings.MaskedSum);
        Row($"reconstruction ({result.Survivors:N0} self-mask seeds, {timings.MaskingKeysReconstructed:N0} masking keys)", timings.Reconstruction);
        Row($"key agreement ({pairs:N0} dropped-survivor pairs)", timings.KeyAgreement);
        Row($"mask removal ({timings.MaskExpansions:N0} expansions, {gigabytes:N1} GB, {gigabytes / timings.MaskRemoval.TotalSeconds:N1} GB/s)", timings.MaskRemoval);
        Row("decode", timings.Decode);
        Row($"total server work (target < 10 s)", timings.Total);
        Row($"plain float aggregation of the same {result.Survivors:N0} vectors", Stopwatch.GetElapsedTime(0, plainTicks));
        Console.WriteLine($"  {"server work / plain aggregation",-68} {timings.Total.TotalSeconds / Stopwatch.GetElapsedTime(0, plainTicks).TotalSeconds,8:N1}x");
        Console.WriteLine();
        Console.WriteLine($"  {"client work (done by each client on its own machine)",-68} {"mean ms",9} {"all, s",9}");
        ClientRow("key pairs and advertisement", clientTicks[0], n);
        ClientRow("sharing keys (Shamir, ECDH, AES-GCM)", clientTicks[1], n);
        ClientRow($"masked input (encode, 1 + up to {config.NeighbourhoodSize - 1} mask expansions)", clientTicks[2], survivors.Length);
        ClientRow("unmasking", clientTicks[3], survivors.Length);
        Console.WriteLine();
        Console.WriteLine($"  check: max |secure sum - exact sum| = {worst:G3} (bound {result.ErrorBound:G3} + float rounding: {(allowed ? "within" : "EXCEEDED")}); " +
            $"plain float sum max error {worstPlain:G3}; wall time {total.Elapsed.TotalSeconds:0.0} s");
        if (png is not null)
        {
            BenchPictures.WriteBars(png, $"bench secagg: server work, {n:N0} clients x {config.Parameters:N0} parameters, {dropped.Count:N0} dropped, {options.Threads} threads", "seconds", figures);
        }
        return allowed ? 0 : 1;
    }

    private static void ClientRow(string label, long ticks, int count)
    {
        var seconds = Stopwatch.GetElapsedTime(0, ticks).TotalSeconds;
        Console.WriteLine($"  {label,-68} {seconds * 1000 / Math.Max(1, count),9:0.0} {seconds,9:0.0}");
    }

    /// <summary>Client i's vector: uniform in [−c, c] from a xorshift stream (fast, reproducible).</summary>
    private static float[] Input(int seed, int client, int length, float clip)
    {
        var values = new float[length];
        var state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)client + 1) * 0xBF58476D1CE4E5B9UL;
        state |= 1;
        for (var i = 0; i < length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values[i] = ((state >> 40) * (1f / (1 << 24)) * 2 - 1) * clip;
        }
        return values;
    }

    private static void AddFloats(float[] sum, float[][] inputs, ParallelOptions parallel)
    {
        const int chunk = 1 << 16;
        Parallel.For(0, (sum.Length + chunk - 1) / chunk, parallel, c =>
        {
            var start = c * chunk;
            var target = sum.AsSpan(start, Math.Min(chunk, sum.Length - start));
            foreach (var input in inputs)
            {
                TensorPrimitives.Add(target, input.AsSpan(start, target.Length), target);
            }
        });
    }

    private static void AddExact(double[] sum, float[][] inputs, ParallelOptions parallel)
    {
        const int chunk = 1 << 16;
        Parallel.For(0, (sum.Length + chunk - 1) / chunk, parallel, c =>
        {
            var end = Math.Min(sum.Length, (c + 1) * chunk);
            foreach (var input in inputs)
            {
                for (var j = c * chunk; j < end; j++)
                {
                    sum[j] += input[j];
                }
            }
        });
    }

    private sealed record BenchOptions(int Clients, int Parameters, double Dropout, int Neighbours, int? Threshold, int Threads, double Clip, int Seed);
}
