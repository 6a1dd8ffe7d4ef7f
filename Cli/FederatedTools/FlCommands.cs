using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansGoRelay.Cli.GoTools;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Contributions;
using OrleansGoRelay.Learning.Federated.Simulation;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary><c>gorelay fl ...</c>: federated learning on this machine.</summary>
internal static class FlCommands
{
    public static Command Command()
    {
        var fl = new Command("fl", "Federated learning: simulate a federation of relays training the model on their own games, or run rounds on the cluster");
        fl.Subcommands.Add(Simulate());
        fl.Subcommands.Add(FlRunCommand.Command());
        return fl;
    }

    private static Command Simulate()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections (default: ../shared/data/fox-pro.sgf.gz)", Arity = ArgumentArity.ZeroOrMore };
        var clients = new Option<int>("--clients") { Description = "Clients in the federation (games dealt to them by player)", DefaultValueFactory = _ => 10 };
        var perRound = new Option<int>("--clients-per-round") { Description = "Clients sampled each round (0: all)", DefaultValueFactory = _ => 0 };
        var stake = new Option<bool>("--stake-weighted") { Description = "Sample clients by stake (their positions held) instead of uniformly" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds", DefaultValueFactory = _ => 10 };
        var strategy = new Option<string>("--strategy") { Description = "fedavg, fedprox, median, trimmed-mean, krum, multi-krum, bulyan, or central (the centralised reference on the union)", DefaultValueFactory = _ => "fedavg" };
        var server = new Option<string>("--server-optimizer") { Description = "sgd, fedadam or fedyogi", DefaultValueFactory = _ => "sgd" };
        var serverLr = new Option<double>("--server-lr") { Description = "Server learning rate", DefaultValueFactory = _ => 1.0 };
        var serverMomentum = new Option<double>("--server-momentum") { Description = "Server SGD momentum (DP-FedAvg uses 0.9 to average the noise over rounds)", DefaultValueFactory = _ => 0 };
        var init = new Option<string?>("--init") { Description = "Start from this training checkpoint (a run's folder or one checkpoint; its net sets --blocks and --channels)" };
        var f = new Option<int>("--f") { Description = "Attackers Krum and Bulyan tolerate (default: the --malicious count)", DefaultValueFactory = _ => -1 };
        var beta = new Option<double>("--beta") { Description = "Trimmed mean's β", DefaultValueFactory = _ => 0.2 };
        var mu = new Option<double>("--mu") { Description = "FedProx's proximal μ (fedprox's default 0.01)", DefaultValueFactory = _ => -1 };
        var localSteps = new Option<int>("--local-steps") { Description = "Each client's SGD steps per round (0: --local-epochs passes)", DefaultValueFactory = _ => 20 };
        var localEpochs = new Option<int>("--local-epochs") { Description = "Passes over its positions when --local-steps is 0", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "Positions per local step", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Clients' learning rate", DefaultValueFactory = _ => 0.05 };
        var momentum = new Option<double>("--momentum") { Description = "Clients' SGD momentum", DefaultValueFactory = _ => 0.0 };
        var epsilon = new Option<double>("--dp-epsilon") { Description = "Differential privacy: the run's budget ε (0: off)", DefaultValueFactory = _ => 0 };
        var delta = new Option<double>("--dp-delta") { Description = "The budget's δ", DefaultValueFactory = _ => 1e-5 };
        var clip = new Option<double>("--clip") { Description = "L2 bound S on each update", DefaultValueFactory = _ => 1.0 };
        var adaptive = new Option<double>("--adaptive-clip") { Description = "Follow this quantile of update norms with the bound (0: fixed)", DefaultValueFactory = _ => 0 };
        var noise = new Option<double>("--noise-multiplier") { Description = "Use this z instead of sizing it to the budget (0: sized)", DefaultValueFactory = _ => 0 };
        var secagg = new Option<bool>("--secagg") { Description = "Secure aggregation: the server learns only the sum" };
        var neighbours = new Option<int>("--neighbours") { Description = "Secure aggregation's neighbours per client (0: all)", DefaultValueFactory = _ => 0 };
        var malicious = new Option<double>("--malicious") { Description = "Attackers: a count, or a fraction of the clients below 1", DefaultValueFactory = _ => 0 };
        var attack = new Option<string>("--attack") { Description = "signflip, scale or noise", DefaultValueFactory = _ => "signflip" };
        var dropout = new Option<double>("--dropout") { Description = "Chance a sampled client drops out of a round", DefaultValueFactory = _ => 0 };
        var codec = new Option<string>("--codec") { Description = "Update compression: none, int8 or topk", DefaultValueFactory = _ => "none" };
        var topk = new Option<double>("--topk") { Description = "Share of coordinates top-k keeps", DefaultValueFactory = _ => 0.1 };
        var validate = new Option<bool>("--validate") { Description = "Check each update (norm, distance to the robust centre, validation loss) and reject anomalies" };
        var shapley = new Option<string>("--shapley") { Description = "Contribution values: none, loo or mc", DefaultValueFactory = _ => "none" };
        var permutations = new Option<int>("--permutations") { Description = "Monte Carlo Shapley permutations", DefaultValueFactory = _ => 5 };
        var size = new Option<int>("--size") { Description = "Board size", DefaultValueFactory = _ => 19 };
        var blocks = new Option<int>("--blocks") { Description = "Residual blocks of the model", DefaultValueFactory = _ => 2 };
        var channels = new Option<int>("--channels") { Description = "Channels of the model", DefaultValueFactory = _ => 16 };
        var games = new Option<int>("--games") { Description = "Training games read from the files", DefaultValueFactory = _ => 3_000 };
        var share = new Option<int>("--games-per-share") { Description = "Cut each player's games into shares of at most this many, dealt separately (0: a player's games stay on one client)", DefaultValueFactory = _ => 0 };
        var stride = new Option<int>("--position-stride") { Description = "Keep every n-th position of a game", DefaultValueFactory = _ => 2 };
        var validation = new Option<int>("--validation-positions") { Description = "Held-out positions measured each round", DefaultValueFactory = _ => 2_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of everything random", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Tensor threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var report = new Option<string>("--report") { Description = "Write the JSON report here", DefaultValueFactory = _ => "fl-report.json" };
        var command = new Command("simulate", "Run federated rounds on this machine over the shared games dealt to clients by player; prints each round, writes a JSON report")
        {
            files, clients, perRound, stake, rounds, strategy, server, serverLr, serverMomentum, init, f, beta, mu, localSteps, localEpochs, batch, lr, momentum,
            epsilon, delta, clip, adaptive, noise, secagg, neighbours, malicious, attack, dropout, codec, topk, validate, shapley, permutations,
            size, blocks, channels, games, share, stride, validation, seed, threads, report,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var paths = parse.GetValue(files) is { Length: > 0 } named ? named : [Path.Combine("..", "shared", "data", "fox-pro.sgf.gz")];
            if (!GameFiles.AllExist(paths))
            {
                return Task.FromResult(GameFiles.UsageError);
            }
            var population = parse.GetValue(clients);
            var maliciousValue = parse.GetValue(malicious);
            var attackers = maliciousValue is > 0 and < 1 ? (int)Math.Round(maliciousValue * population) : (int)maliciousValue;
            var chosenStrategy = parse.GetValue(strategy)!.ToLowerInvariant();
            var proximal = parse.GetValue(mu) is var m && m >= 0 ? m : chosenStrategy == "fedprox" ? 0.01 : 0;
            var attackKind = parse.GetValue(attack)!.ToLowerInvariant() switch
            {
                "signflip" or "sign-flip" => AttackKind.SignFlip,
                "scale" => AttackKind.Scale,
                "noise" => AttackKind.Noise,
                var other => throw new CommandFailedException($"--attack {other}: choose signflip, scale or noise"),
            };
            var shapleyMethod = parse.GetValue(shapley)!.ToLowerInvariant() switch
            {
                "none" => ShapleyMethod.None,
                "loo" => ShapleyMethod.LeaveOneOut,
                "mc" => ShapleyMethod.MonteCarlo,
                var other => throw new CommandFailedException($"--shapley {other}: choose none, loo or mc"),
            };
            if (attackers < 0 || attackers > population)
            {
                throw new CommandFailedException($"--malicious {maliciousValue}: between 0 and the {population} clients");
            }
            var net = new NetConfig(parse.GetValue(size), parse.GetValue(blocks), parse.GetValue(channels));
            if (parse.GetValue(init) is { } start)
            {
                var (loaded, state, _) = ModelTools.ModelCommands.LoadCheckpoint(start);
                loaded.Dispose();
                net = state.Options.Net;
            }
            var options = new SimulationOptions(
                net,
                parse.GetValue(rounds),
                parse.GetValue(perRound) is > 0 and var pr ? pr : population,
                chosenStrategy,
                new LocalTrainingOptions(parse.GetValue(localSteps), parse.GetValue(localEpochs), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(momentum), proximal),
                parse.GetValue(server)!.ToLowerInvariant(),
                parse.GetValue(serverLr),
                parse.GetValue(stake),
                parse.GetValue(f) >= 0 ? parse.GetValue(f) : attackers,
                parse.GetValue(beta),
                attackers,
                attackers > 0 ? attackKind : AttackKind.None,
                parse.GetValue(dropout),
                parse.GetValue(codec)!.ToLowerInvariant(),
                parse.GetValue(topk),
                parse.GetValue(epsilon) > 0
                    ? new PrivacyOptions(parse.GetValue(epsilon), parse.GetValue(delta), parse.GetValue(clip),
                        parse.GetValue(adaptive) > 0 ? parse.GetValue(adaptive) : null, parse.GetValue(noise) > 0 ? parse.GetValue(noise) : null)
                    : null,
                parse.GetValue(secagg) ? new SecureAggregationOptions(parse.GetValue(neighbours)) : null,
                parse.GetValue(validate),
                shapleyMethod,
                parse.GetValue(permutations),
                parse.GetValue(validation),
                Seed: parse.GetValue(seed))
            {
                ServerMomentum = parse.GetValue(serverMomentum),
                InitialCheckpoint = parse.GetValue(init) is { } folder ? Path.GetFullPath(folder) : null,
            };
            TorchSharp.torch.set_num_threads(parse.GetValue(threads) > 0 ? parse.GetValue(threads) : Environment.ProcessorCount);

            if (options.Privacy is { } dp)
            {
                var q = (double)options.ClientsPerRound / population;
                var multiplier = dp.NoiseMultiplier ?? Learning.Federated.Privacy.RdpAccountant.NoiseMultiplierFor(dp.Epsilon, dp.Delta, q, options.Rounds);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fl simulate: differential privacy ε ≤ {dp.Epsilon:G3} at δ {dp.Delta:G2} over {options.Rounds} rounds of q = {q:G3}: noise multiplier z = {multiplier:G4}, noise σ = z·S/(qN) = {multiplier * dp.ClipNorm / options.ClientsPerRound:G3} per coordinate (S = {dp.ClipNorm:G3}{(dp.AdaptiveQuantile is { } g ? $", adaptive to the {g:G2} quantile" : "")})"));
            }
            Console.Error.WriteLine($"fl simulate: reading up to {parse.GetValue(games):N0} games and dealing them to {population} clients by player ...");
            SimulationData data;
            try
            {
                data = SimulationData.Load(paths, options.Net.BoardSize, parse.GetValue(games), population, parse.GetValue(stride), options.ValidationPositions,
                    parse.GetValue(share) > 0 ? parse.GetValue(share) : null);
            }
            catch (ArgumentException e)
            {
                throw new CommandFailedException(WithoutParameter(e), e);
            }
            var sizes = data.Clients.Select(c => c.Positions.Count).Order().ToArray();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fl simulate: {data.Clients.Sum(c => c.Games):N0} games, {sizes.Sum():N0} positions; per client {sizes[0]:N0} to {sizes[^1]:N0} positions (median {sizes[sizes.Length / 2]:N0}); {data.Validation.Count:N0} held-out positions"));
            Console.WriteLine(Header);
            var simulation = new FederatedSimulation(data.Clients, data.Validation, options)
            {
                RoundFinished = r => Console.WriteLine(Row(r, options.Rounds)),
                // A live count on a terminal; in a log the round rows are the progress.
                ClientTrained = Console.IsErrorRedirected ? null : (round, done, of) => Console.Error.Write($"\rround {round}/{options.Rounds}: {done}/{of} clients trained   "),
            };
            SimulationReport result;
            try
            {
                result = simulation.Run(cancellationToken);
            }
            catch (Exception e) when (e is ArgumentException or Learning.Federated.AggregationRefusedException)
            {
                throw new CommandFailedException(WithoutParameter(e), e);
            }
            if (!Console.IsErrorRedirected)
            {
                Console.Error.Write("\r" + new string(' ', 48) + "\r");
            }
            var path = parse.GetValue(report)!;
            File.WriteAllText(path, JsonSerializer.Serialize(result, ReportJson));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fl simulate: {result.Rounds.Count} rounds in {result.Seconds:N0} s; held-out top-1 {result.InitialTop1:P2} -> {result.FinalTop1:P2}{(result.NoiseMultiplier is { } z ? $"; noise multiplier {z:G3}, ε {(result.Rounds.Count > 0 ? result.Rounds[^1].Epsilon : null):G3} at δ {options.Privacy!.Delta:G2}" : "")}{(result.StoppedBecause is { } why ? $"; stopped: {why}" : "")}; report {path}"));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>The message without .NET's "(Parameter 'x')" tail: the user named no parameter x.</summary>
    private static string WithoutParameter(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    // A diverged run still writes its report: its losses may be NaN or infinite.
    private static readonly JsonSerializerOptions ReportJson = new(ApiJson.Options) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private const string Header = "round | clients (ok/drop/rej/flag) | top-1   | loss  | ε      | up MB   | down MB | train s | secagg s | agg s | eval s";

    private static string Row(RoundReport r, int rounds) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Round,2}/{rounds,-2} | {r.Answered,4}/{r.Dropped,-3}/{r.Rejected,-3}/{r.Flagged,-3}          | {r.Top1,7:P2} | {r.Loss,5:0.000} | {(r.Epsilon is { } e ? e.ToString("0.000", CultureInfo.InvariantCulture) : "-"),6} | {r.BytesUp / 1e6,7:0.00} | {r.BytesDown / 1e6,7:0.00} | {r.Seconds.Training,7:0.0} | {r.Seconds.SecureAggregation,8:0.00} | {r.Seconds.Aggregation,5:0.00} | {r.Seconds.Evaluation,6:0.00}{(r.Refused is { } why ? $" | refused: {why}" : "")}");
}
