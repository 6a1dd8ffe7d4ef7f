using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OrleansGoRelay.Cli.Play;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary>
/// <c>gorelay fl run --rounds N --verify</c>: federated rounds on a running cluster, one after the other, with each
/// round's progress; then, with <c>--verify</c>, the registry (every completed round registered a version of its
/// model, promoted versions never lose held-out accuracy), the rewards (each round's settlement is in the ledger under
/// its transfer ids, once) and the ledger (chain valid, balances match entries, sum 0) are checked.
/// </summary>
internal static class FlRunCommand
{
    public static Command Command()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds to run", DefaultValueFactory = _ => 3 };
        var min = new Option<int>("--min-participants") { Description = "The fewest answers a round proceeds with", DefaultValueFactory = _ => 2 };
        var deadline = new Option<int>("--deadline") { Description = "Seconds each stage waits for stragglers", DefaultValueFactory = _ => 30 };
        var secure = new Option<bool>("--secure-aggregation") { Description = "Mask the updates (Bonawitz et al.)" };
        var epsilon = new Option<double?>("--epsilon") { Description = "Differential privacy: the budget's ε (turns DP-FedAvg on)" };
        var delta = new Option<double>("--delta") { Description = "Differential privacy: δ", DefaultValueFactory = _ => 1e-5 };
        var clip = new Option<double>("--clip") { Description = "Differential privacy: the L2 bound S", DefaultValueFactory = _ => 2.0 };
        var noise = new Option<double?>("--noise-multiplier") { Description = "Differential privacy: z (default: derived from ε over --rounds)" };
        var steps = new Option<int>("--local-steps") { Description = "Each relay's SGD steps", DefaultValueFactory = _ => 40 };
        var lr = new Option<double>("--local-lr") { Description = "Each relay's learning rate", DefaultValueFactory = _ => 0.05 };
        var strategy = new Option<string>("--strategy") { Description = "fedavg, median, trimmed-mean, krum, multi-krum or bulyan", DefaultValueFactory = _ => "fedavg" };
        var verify = new Option<bool>("--verify") { Description = "Check the registry, the rewards and the ledger afterwards" };
        var command = new Command("run", "Run federated rounds on the cluster and show each one's progress")
        {
            FederationOptions.Gateways, FederationOptions.Token, rounds, min, deadline, secure, epsilon, delta, clip, noise, steps, lr, strategy, verify,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var gateway = FederationOptions.Client(parse);
            var privacy = parse.GetValue(epsilon) is { } e
                ? new { epsilon = e, delta = parse.GetValue(delta), clip = parse.GetValue(clip), noiseMultiplier = parse.GetValue(noise), plannedRounds = parse.GetValue(rounds) }
                : null;
            var request = new
            {
                minParticipants = parse.GetValue(min), deadlineSeconds = parse.GetValue(deadline), strategy = parse.GetValue(strategy), privacy,
                secureAggregation = parse.GetValue(secure), local = new { steps = parse.GetValue(steps), batchSize = 32, learningRate = parse.GetValue(lr) },
            };
            var ids = new List<string>();
            var failed = 0;
            Console.WriteLine("round          stage      sampled included version       promoted top-1 %  ε          seconds");
            for (var i = 0; i < parse.GetValue(rounds); i++)
            {
                var roundId = (string)FederationOptions.Require(await gateway.PostAsync("api/v1/fl/rounds", request, cancellationToken).ConfigureAwait(false), "starting a round").Body!["roundId"]!;
                ids.Add(roundId);
                var view = await WaitAsync(gateway, roundId, cancellationToken).ConfigureAwait(false);
                var result = view["result"];
                var version = (string?)result?["modelVersion"];
                var top1 = version is null ? "" : ((double)(await gateway.GetAsync($"api/v1/models/{version}", cancellationToken).ConfigureAwait(false)).Body!["version"]!["metrics"]!["top1"]!).ToString("0.00", CultureInfo.InvariantCulture);
                var started = DateTimeOffset.Parse((string)view["start"]!["startedAt"]!, CultureInfo.InvariantCulture);
                var finished = DateTimeOffset.Parse((string)view["finishedAt"]!, CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{roundId,-14} {(string?)view["stage"],-10} {view["start"]!["participants"]!.AsArray().Count,7} {(int?)result?["participantCount"] ?? 0,8} {(version ?? "-")[..Math.Min(12, (version ?? "-").Length)],-13} {((bool?)result?["promoted"] ?? false),-8} {top1,-8} {((double?)view["epsilonSpent"])?.ToString("G4", CultureInfo.InvariantCulture) ?? "-",-10} {(finished - started).TotalSeconds:0.0}"));
                if ((string?)view["failureReason"] is { } why)
                {
                    Console.WriteLine($"  failed: {why}");
                    failed++;
                }
            }
            var verified = parse.GetValue(verify) ? await VerifyAsync(gateway, ids, cancellationToken).ConfigureAwait(false) : 0;
            if (failed > 0)
            {
                Console.Error.WriteLine($"fl run: {failed} of {ids.Count} rounds failed");
            }
            return failed > 0 ? 1 : verified;
        });
        return command;
    }

    private static async Task<JsonNode> WaitAsync(GatewayClient gateway, string roundId, CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            var view = FederationOptions.Require(await gateway.GetAsync($"api/v1/fl/rounds/{roundId}", cancellationToken).ConfigureAwait(false), "reading " + roundId).Body!;
            var stage = (string)view["stage"]!;
            var answered = view["participants"]!.AsArray().Count(p => p!["stages"]!.AsArray().Any(s => (string?)s == stage));
            var line = $"  {roundId}: {stage} ({answered} of {view["participants"]!.AsArray().Count} answered)";
            if (line != last)
            {
                Console.Error.WriteLine(line);
                last = line;
            }
            if (stage is "completed" or "failed")
            {
                return view;
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> VerifyAsync(GatewayClient gateway, IReadOnlyList<string> roundIds, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var versions = (await gateway.GetAsync("api/v1/models?limit=500", cancellationToken).ConfigureAwait(false)).Body!.AsArray();
        var byHash = versions.ToDictionary(v => (string)v!["modelHash"]!, v => v!);
        foreach (var roundId in roundIds)
        {
            var view = (await gateway.GetAsync($"api/v1/fl/rounds/{roundId}", cancellationToken).ConfigureAwait(false)).Body!;
            if ((string?)view["stage"] != "completed")
            {
                continue;
            }
            var hash = (string)view["result"]!["modelVersion"]!;
            if (!byHash.TryGetValue(hash, out var version) || (string?)version["parent"] != (string?)view["start"]!["modelVersion"] || (string?)version["round"] != roundId)
            {
                failures.Add($"{roundId}: its version {hash} is not in the registry with the round's model as parent");
            }
            foreach (var (account, amount) in view["settlement"]?.AsObject() ?? [])
            {
                var relay = account["trainer:".Length..];
                long paid = 0;
                foreach (var code in new[] { 30, 31 })
                {
                    var transfer = await gateway.GetAsync($"api/v1/transfers/fl-round:{roundId}:{relay}:{code}", cancellationToken).ConfigureAwait(false);
                    paid += transfer.IsSuccess ? (long)transfer.Body!["transfer"]!["amount"]! : 0;
                }
                if (paid != (long)amount!)
                {
                    failures.Add($"{roundId}: {account} was settled {amount} but the ledger holds {paid}");
                }
            }
        }
        // Promoted versions, in the order they were promoted, never lose held-out accuracy.
        var promoted = versions.Where(v => v!["promotedAt"] is not null).OrderBy(v => (string)v!["promotedAt"]!, StringComparer.Ordinal).Select(v => (double)v!["metrics"]!["top1"]!).ToList();
        for (var i = 1; i < promoted.Count; i++)
        {
            if (promoted[i] < promoted[i - 1])
            {
                failures.Add($"promotion {i + 1} lowered top-1 from {promoted[i - 1]} to {promoted[i]}");
            }
        }
        var ledger = FederationOptions.Require(await gateway.GetAsync("api/v1/ledger/verify", cancellationToken).ConfigureAwait(false), "verifying the ledger").Body!;
        if ((bool?)ledger["chainValid"] != true || (bool?)ledger["balancesMatchEntries"] != true || (long?)ledger["sumOfBalances"] != 0)
        {
            failures.Add($"ledger: {ledger.ToJsonString()}");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"verify: {versions.Count} versions, {promoted.Count} promoted (top-1 {string.Join(" -> ", promoted.Select(p => p.ToString("0.00", CultureInfo.InvariantCulture)))}); ledger {(long?)ledger["transfers"]} transfers, chain valid {(bool?)ledger["chainValid"]}, sum {(long?)ledger["sumOfBalances"]}"));
        foreach (var failure in failures)
        {
            Console.Error.WriteLine("verify: " + failure);
        }
        return failures.Count == 0 ? 0 : 1;
    }
}
