using System.Diagnostics;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Learning.Federated.Validation;

namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>
/// A federated run on one machine, every stage real: clients sampled, each trains on its own positions with
/// <see cref="LocalTrainer"/>, attackers send what their attack makes of their update, updates are compressed and
/// decoded, clipped, checked, securely summed or aggregated by the chosen rule, noised, accounted and applied by the
/// server optimiser; the model is measured on held-out games after every round, and the clients' contribution values
/// feed the ledger's settlement. Everything random is seeded: the same options and data give the same report, to the bit
/// (apart from times).
/// </summary>
public sealed class FederatedSimulation
{
    private readonly IReadOnlyList<ClientData> _clients;
    private readonly IReadOnlyList<TrainingPosition> _validation;
    private readonly SimulationOptions _options;

    /// <summary>A run of <paramref name="options"/> over <paramref name="clients"/>, measured on <paramref name="validation"/>.</summary>
    public FederatedSimulation(IReadOnlyList<ClientData> clients, IReadOnlyList<TrainingPosition> validation, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        if (clients.Count == 0)
        {
            throw new ArgumentException("A federation needs clients.", nameof(clients));
        }
        if (options.ClientsPerRound < 1 || options.ClientsPerRound > clients.Count)
        {
            throw new ArgumentException($"{options.ClientsPerRound} clients per round from a population of {clients.Count}.", nameof(options));
        }
        if (options.Rounds < 1)
        {
            throw new ArgumentException($"{options.Rounds} rounds: at least one.", nameof(options));
        }
        _clients = clients;
        _validation = validation;
        _options = options;
    }

    /// <summary>The pool the report's settlement shares (1,000,000 units: MCP micro-units in the ledger's terms).</summary>
    public const long SettlementPool = 1_000_000;

    /// <summary>Called after each round.</summary>
    public Action<RoundReport>? RoundFinished { get; init; }

    /// <summary>Called as clients finish training within a round (done, of sampled).</summary>
    public Action<int, int, int>? ClientTrained { get; init; }

    /// <summary>Runs the rounds (until done, the privacy budget is spent, or cancelled).</summary>
    public SimulationReport Run(CancellationToken cancellationToken)
    {
        var (clients, validation, options) = (_clients, _validation, _options);
        var clock = Stopwatch.StartNew();
        var layout = ParameterLayout.Of(options.Net);
        var global = options.InitialCheckpoint is { } checkpoint ? Load(layout, checkpoint) : layout.Initial(options.Seed);
        using var shard = new ValidationShard(layout, [.. validation.Take(options.ValidationPositions)]);
        // A smaller shard for what is evaluated many times a round: each update's loss (validation), the Shapley utilities.
        using var shapleyShard = options.Shapley != ShapleyMethod.None || options.ValidateUpdates ? new ValidationShard(layout, [.. validation.Take(options.ShapleyPositions)]) : null;
        var parts = new SimulationParts(options, layout, clients.Count);
        var initial = shard.Score(global);
        var rounds = new List<RoundReport>();
        var stats = clients.Select((c, i) => new ClientStats(c, i < options.Malicious)).ToArray();
        var index = clients.Select((c, i) => (c.ClientId, i)).ToDictionary(p => p.ClientId, p => p.i, StringComparer.Ordinal);
        string? stopped = null;
        var central = options.Strategy == "central";
        var union = central ? clients.SelectMany(c => c.Positions).ToList() : null;

        for (var round = 1; round <= options.Rounds; round++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                stopped = "cancelled";
                break;
            }
            if (parts.BudgetExhaustedBefore(round) is { } why)
            {
                stopped = why;
                break;
            }
            var stage = Stopwatch.StartNew();
            var sampled = parts.Sample(clients, round);
            var dropRandom = new Random(SeedMix.Of(SeedMix.Dropout, options.Seed, round));
            var dropped = sampled.Where(_ => dropRandom.NextDouble() < options.Dropout).ToHashSet(StringComparer.Ordinal);
            var sampling = Lap(stage);

            var results = new List<LocalTrainingResult>();
            var sentBytes = new Dictionary<string, long>(StringComparer.Ordinal);
            long bytesUp = 0;
            double encoding = 0;
            if (central)
            {
                // Centralised reference: one model over the union, as many training positions this round as the clients would have seen.
                var steps = sampled.Sum(id => options.Local.StepsFor(clients[index[id]].Positions.Count));
                results.Add(LocalTrainer.Train("central", layout, global, union!, options.Local with { Steps = steps, Seed = SeedMix.Of(options.Seed, round) }));
                ClientTrained?.Invoke(round, 1, 1);
            }
            else
            {
                var done = 0;
                foreach (var id in sampled)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var k = index[id];
                    stats[k].Sampled++;
                    if (dropped.Contains(id))
                    {
                        continue; // it never answers (with secure aggregation it drops after sharing its keys, before its masked input)
                    }
                    var local = options.Local with { Seed = SeedMix.Of(options.Seed, round, k) };
                    var result = LocalTrainer.Train(id, layout, global, clients[k].Positions, local);
                    if (stats[k].Malicious)
                    {
                        var attack = Attack.Default(options.Attack);
                        result = result with { Update = result.Update with { Delta = attack.Apply(result.Update.Delta, SeedMix.Of(SeedMix.Attack, options.Seed, round, k)) } };
                    }
                    var encodeClock = Stopwatch.StartNew();
                    if (options.SecureAggregation is null)
                    {
                        var (decoded, bytes) = parts.Transmit(id, result.Update.Delta);
                        result = result with { Update = result.Update with { Delta = decoded } };
                        bytesUp += bytes;
                        stats[k].Bytes += bytes;
                        sentBytes[id] = bytes;
                    }
                    encoding += encodeClock.Elapsed.TotalSeconds;
                    stats[k].Compute += result.Metrics.ComputeSeconds;
                    results.Add(result);
                    ClientTrained?.Invoke(round, ++done, sampled.Count);
                }
            }
            var training = Lap(stage) - encoding;

            // With differential privacy the clipping happens inside the release (DP-FedAvg, or each client's secure input),
            // where the norms before clipping also give adaptive clipping its count.
            var updates = results.Select(r => r.Update).ToList();
            var clipNorm = parts.ClipNorm;
            var privacy = Lap(stage);

            var rejected = new HashSet<string>(StringComparer.Ordinal);
            var flagged = 0;
            float[]? centre = null;
            IReadOnlyList<UpdateCheck>? checks = null;
            if (!central && updates.Count >= 3 && options.SecureAggregation is null)
            {
                centre = parts.Median(updates);
                if (options.ValidateUpdates)
                {
                    var before = shapleyShard!.Score(global).Loss;
                    checks = UpdateValidator.Check(updates, layout.Length, centre, parts.ValidationOptions, delta => shapleyShard.ScoreWith(global, delta).Loss - before);
                    foreach (var check in checks)
                    {
                        var k = index[check.ClientId];
                        stats[k].Cosines.Add(check.CosineToCentre);
                        if (check.Verdict == UpdateVerdict.Rejected)
                        {
                            rejected.Add(check.ClientId);
                            stats[k].Rejected++;
                            // A rejected update earns nothing: its compute and bytes leave the contribution inputs.
                            var work = results.First(r => r.Update.ClientId == check.ClientId);
                            stats[k].Compute -= work.Metrics.ComputeSeconds;
                            stats[k].Bytes -= sentBytes.GetValueOrDefault(check.ClientId);
                        }
                        else if (check.Verdict == UpdateVerdict.Flagged)
                        {
                            flagged++;
                            stats[k].Flagged++;
                        }
                    }
                }
                else if (centre is not null)
                {
                    foreach (var u in updates)
                    {
                        stats[index[u.ClientId]].Cosines.Add(VectorMath.Cosine(u.Delta, centre));
                    }
                }
            }
            var accepted = updates.Where(u => !rejected.Contains(u.ClientId)).ToList();
            var validationTime = Lap(stage);

            float[] aggregate;
            string? refused = null;
            double secure = 0;
            int answered;
            if (central)
            {
                aggregate = updates[0].Delta;
                answered = sampled.Count;
            }
            else if (options.SecureAggregation is not null)
            {
                try
                {
                    var (sum, survivors, bytes) = parts.SecureSum(accepted, sampled, dropped, round);
                    aggregate = sum;
                    answered = survivors.Count;
                    bytesUp += bytes;
                    foreach (var id in survivors)
                    {
                        stats[index[id]].Bytes += bytes / Math.Max(1, survivors.Count);
                    }
                    accepted = [.. accepted.Where(u => survivors.Contains(u.ClientId))];
                }
                catch (AggregationRefusedException e)
                {
                    // Too few survivors to unmask: the round produces no model (never a wrong one) and the next round starts
                    // from the same weights, as a coordinator would after a failed round.
                    refused = e.Message;
                    aggregate = new float[layout.Length];
                    answered = 0;
                    accepted = [];
                }
                secure = Lap(stage);
            }
            else
            {
                answered = updates.Count;
                try
                {
                    aggregate = parts.Aggregate(accepted);
                }
                catch (AggregationRefusedException e) when (options.Privacy is null)
                {
                    // Fewer updates than the rule needs (after dropouts or rejections): no model this round, never a wrong one.
                    refused = e.Message;
                    aggregate = new float[layout.Length];
                    accepted = [];
                }
            }
            foreach (var u in central ? [] : accepted)
            {
                stats[index[u.ClientId]].Answered++;
            }
            var aggregation = Lap(stage);

            var noiseStd = options.Privacy is not null && !central && refused is null ? parts.LastNoiseStd : null;

            var previous = global;
            if (refused is null)
            {
                global = parts.ServerStep(global, aggregate);
            }
            var score = shard.Score(global);
            var evaluation = Lap(stage);

            if (options.Shapley != ShapleyMethod.None && shapleyShard is not null && accepted.Count > 0)
            {
                var estimator = new ShapleyEstimator(set => set.Count == 0
                    ? shapleyShard.Score(previous).Top1
                    : shapleyShard.ScoreWith(previous, VectorMath.WeightedMean([.. set.Select(i => accepted[i].Delta)], [.. set.Select(i => (double)accepted[i].Examples)])).Top1);
                var values = estimator.Estimate(options.Shapley, accepted.Count, options.ShapleyPermutations, SeedMix.Of(SeedMix.Shapley, options.Seed, round));
                for (var i = 0; i < accepted.Count; i++)
                {
                    stats[index[accepted[i].ClientId]].Shapley += values[i];
                }
            }
            var contributions = Lap(stage);

            var bytesDown = central ? 0 : (long)sampled.Count * layout.Length * sizeof(float);
            var report = new RoundReport(round, sampled.Count, answered, dropped.Count, rejected.Count, flagged,
                rejected.Count(id => stats[index[id]].Malicious), score.Top1, score.Loss, parts.Epsilon, options.Privacy is null ? null : clipNorm, noiseStd,
                bytesUp, bytesDown, new StageSeconds(sampling, training, encoding, validationTime, privacy, secure, aggregation, evaluation, contributions), refused, checks);
            rounds.Add(report);
            RoundFinished?.Invoke(report);
        }

        var summaries = stats.Select(s => new ClientSummary(s.Data.ClientId, s.Data.Games, s.Data.Positions.Count, s.Malicious, s.Sampled, s.Answered,
            s.Rejected, s.Flagged, s.Compute, s.Bytes, s.Cosines.Count > 0 ? s.Cosines.Average() : 0, s.Shapley)).ToList();
        var observations = summaries.Where(s => s.RoundsSampled > 0).Select(s => new ClientObservation(s.ClientId, s.ComputeSeconds, s.MeanCosineToCentre,
            s.BytesTransmitted, s.RoundsAnswered, s.RoundsSampled, options.Shapley == ShapleyMethod.None ? null : s.Shapley)).ToList();
        var settlement = ContributionValues.Settle(SettlementPool, observations, options.Shapley == ShapleyMethod.None ? QualitySource.Agreement : QualitySource.Shapley);
        return new SimulationReport(options, layout.Length, clients.Count, clients.Sum(c => (long)c.Positions.Count), shard.Count, initial.Top1, initial.Loss,
            rounds, summaries, parts.NoiseMultiplier, settlement, stopped, clock.Elapsed.TotalSeconds,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(global.AsSpan()))));
    }

    private static float[] Load(ParameterLayout layout, string checkpoint)
    {
        var (net, _, _) = Training.TrainingCheckpoint.LoadNet(checkpoint);
        using (net)
        {
            if (net.Config != layout.Config)
            {
                throw new ArgumentException($"The checkpoint {checkpoint} holds a {net.Config.Blocks}×{net.Config.Channels} net; the run's model is {layout.Config.Blocks}×{layout.Config.Channels}.", nameof(checkpoint));
            }
            return layout.Read(net);
        }
    }

    private static double Lap(Stopwatch stage)
    {
        var seconds = stage.Elapsed.TotalSeconds;
        stage.Restart();
        return seconds;
    }

    private sealed class ClientStats(ClientData data, bool malicious)
    {
        public ClientData Data { get; } = data;
        public bool Malicious { get; } = malicious;
        public int Sampled { get; set; }
        public int Answered { get; set; }
        public int Rejected { get; set; }
        public int Flagged { get; set; }
        public double Compute { get; set; }
        public long Bytes { get; set; }
        public double Shapley { get; set; }
        public List<double> Cosines { get; } = [];
    }
}
