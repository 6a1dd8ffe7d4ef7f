using System.CommandLine;
using System.Globalization;
using OrleansGoRelay.Cli.Play;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary>
/// <c>gorelay games generate</c>: GNU Go players with rating gaps play through the relays until the asked numbers of
/// teaching games and dogfights are stamped. Teaching games pair a strong engine (level 10) with a weak one (level 1)
/// after a rated warm-up game has opened a rating gap; dogfights pair two new players of one level. The cluster's
/// classifier decides what each game is: a game that comes out standard is stamped too and counted as such, and the
/// command keeps playing until the targets are met or <c>--max-games</c> are spent (then it fails).
/// </summary>
internal static class GamesCommands
{
    /// <summary>GNU Go's level for both dogfight seats (set by <c>--dogfight-level</c>).</summary>
    private static int DogfightLevel { get; set; }

    public static Command Command()
    {
        var games = new Command("games", "Games for the federation");
        var teaching = new Option<int>("--teaching") { Description = "Teaching games to have stamped", DefaultValueFactory = _ => 10 };
        var dogfight = new Option<int>("--dogfight") { Description = "Dogfights to have stamped", DefaultValueFactory = _ => 5 };
        var size = new Option<int>("--size") { Description = "Board size", DefaultValueFactory = _ => 9 };
        var parallel = new Option<int>("--parallel") { Description = "Games played at once", DefaultValueFactory = _ => 4 };
        var maxGames = new Option<int?>("--max-games") { Description = "Give up after this many games (default: 4 per teaching game + 24 per dogfight + 8: GNU Go's 9×9 games are calm, about one level-1 game in 16 is wild enough)" };
        var gnugo = new Option<string>("--gnugo") { Description = "GNU Go's executable", DefaultValueFactory = _ => Go.Engines.GtpEngine.GnuGoPath };
        var prefix = new Option<string?>("--prefix") { Description = "Game and player id prefix (default: random)" };
        var dogfightLevel = new Option<int>("--dogfight-level") { Description = "GNU Go's level for both seats of a dogfight (low levels blunder into wild games)", DefaultValueFactory = _ => 1 };
        var generate = new Command("generate", "Play GNU Go games through the relays until the teaching games and dogfights asked for are stamped")
        {
            FederationOptions.Gateways, FederationOptions.Token, teaching, dogfight, size, parallel, maxGames, gnugo, prefix, dogfightLevel,
        };
        generate.SetAction((parse, cancellationToken) => (DogfightLevel = parse.GetValue(dogfightLevel)) is < 0 or > 10
            ? throw new CommandFailedException("--dogfight-level is 0 to 10.")
            : GenerateAsync(parse, parse.GetValue(teaching), parse.GetValue(dogfight), parse.GetValue(size), parse.GetValue(parallel),
            parse.GetValue(maxGames), parse.GetValue(gnugo)!, parse.GetValue(prefix) ?? "gen" + Guid.NewGuid().ToString("N")[..6], cancellationToken));
        games.Subcommands.Add(generate);
        return games;
    }

    private sealed record Pairing(string Black, string White, int BlackLevel, int WhiteLevel, GameClass Aim);

    private static async Task<int> GenerateAsync(ParseResult parse, int teaching, int dogfight, int size, int parallel, int? maxGames, string gnugo, string prefix, CancellationToken cancellationToken)
    {
        if (teaching < 0 || dogfight < 0 || teaching + dogfight == 0 || parallel < 1 || size is < 5 or > 19)
        {
            throw new CommandFailedException("Ask for --teaching and/or --dogfight games (at least one in all), --parallel of at least 1 and --size 5 to 19.");
        }
        if (!File.Exists(gnugo))
        {
            throw new CommandFailedException($"GNU Go is not at {gnugo} (Debian package gnugo, or pass --gnugo).");
        }
        using var gateway = FederationOptions.Client(parse);
        var relays = (await gateway.GetAsync("api/v1/relays", cancellationToken).ConfigureAwait(false)).Body?.AsArray()
            .Where(r => (string?)r!["health"] == "healthy").Select(r => ((double)r!["latitude"]!, (double)r["longitude"]!)).ToList() ?? [];
        if (relays.Count == 0)
        {
            throw new CommandFailedException("No healthy relay: start the federation first (gorelay cluster start).");
        }
        var budget = maxGames ?? (4 * teaching) + (24 * dogfight) + 8;
        var counts = new Dictionary<GameClass, int> { [GameClass.Teaching] = 0, [GameClass.Dogfight] = 0, [GameClass.Standard] = 0 };
        var played = 0;
        var gate = new Lock();
        using var slots = new SemaphoreSlim(parallel);
        var pairIndex = 0;

        bool Done()
        {
            lock (gate)
            {
                return counts[GameClass.Teaching] >= teaching && counts[GameClass.Dogfight] >= dogfight;
            }
        }

        bool Wanted(GameClass aim)
        {
            lock (gate)
            {
                return aim == GameClass.Teaching ? counts[GameClass.Teaching] < teaching : counts[GameClass.Dogfight] < dogfight;
            }
        }

        async Task PlayPairAsync(int pair, GameClass aim)
        {
            // A teaching pair keeps playing while teaching games are wanted: its first game opens the rating gap. A
            // dogfight needs two players of one rating, so each dogfight is a new pair's first game.
            var (strong, weak) = ($"{prefix}-p{pair:000}-a", $"{prefix}-p{pair:000}-b");
            var (levelA, levelB) = aim == GameClass.Teaching ? (10, 1) : (DogfightLevel, DogfightLevel);
            for (var game = 1; Wanted(aim) && !cancellationToken.IsCancellationRequested && (aim == GameClass.Teaching || game == 1); game++)
            {
                lock (gate)
                {
                    if (played >= budget)
                    {
                        return;
                    }
                    played++;
                }
                var gameId = $"{prefix}-p{pair:000}-g{game:00}";
                var site = relays[(pair + game) % relays.Count];
                var result = await PlayOneAsync(gateway, gameId, strong, weak, levelA, levelB, size, gnugo, site, aim, cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    if (result is { } stamped)
                    {
                        counts[stamped]++;
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{played}/{budget}] {gameId}: {(result is { } c ? LedgerNames(c) + ", stamped" : "not stamped")}; teaching {counts[GameClass.Teaching]}/{teaching}, dogfight {counts[GameClass.Dogfight]}/{dogfight}, standard {counts[GameClass.Standard]}"));
                }
            }
        }

        var workers = new List<Task>();
        for (var i = 0; i < parallel; i++)
        {
            var prefers = i % 2 == 0 ? GameClass.Teaching : GameClass.Dogfight;
            workers.Add(Task.Run(async () =>
            {
                while (!Done() && !cancellationToken.IsCancellationRequested)
                {
                    lock (gate)
                    {
                        if (played >= budget)
                        {
                            return;
                        }
                    }
                    // The class this worker prefers while it is wanted, else the other.
                    var aim = Wanted(prefers) ? prefers : prefers == GameClass.Teaching ? GameClass.Dogfight : GameClass.Teaching;
                    await PlayPairAsync(Interlocked.Increment(ref pairIndex), aim).ConfigureAwait(false);
                }
            }, cancellationToken));
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"games: {played}; stamped teaching {counts[GameClass.Teaching]}/{teaching}, dogfight {counts[GameClass.Dogfight]}/{dogfight}, standard {counts[GameClass.Standard]}"));
        if (!Done())
        {
            throw new CommandFailedException($"{played} games did not give the stamped teaching games and dogfights asked for (raise --max-games).");
        }
        return 0;
    }

    /// <summary>Plays one game, then waits for a relay to stamp it; its class, or null when it ended without consensus or was not stamped.</summary>
    private static async Task<GameClass?> PlayOneAsync(GatewayClient gateway, string gameId, string black, string white, int blackLevel, int whiteLevel, int size, string gnugo,
        (double Latitude, double Longitude) site, GameClass aim, CancellationToken cancellationToken)
    {
        var created = await gateway.PostAsync("api/v1/games", new { gameId, black, white, size, rules = "chinese", rated = true, gameType = LedgerNames(aim) }, cancellationToken).ConfigureAwait(false);
        if (!created.IsSuccess)
        {
            throw new CommandFailedException($"game {gameId} was not created: {(int)created.Status} {created.Code}: {created.Body?["detail"]}");
        }
        var settings = new SeatSettings(site.Latitude, site.Longitude, aim);
        await using var blackEngine = GtpMoveSource.Start($"{gnugo} --mode gtp --level {blackLevel} --seed {Math.Abs(gameId.GetHashCode(StringComparison.Ordinal)) % 10_000}");
        await using var whiteEngine = GtpMoveSource.Start($"{gnugo} --mode gtp --level {whiteLevel} --seed {Math.Abs(gameId.GetHashCode(StringComparison.Ordinal)) % 10_000 + 1}");
        var seats = await Task.WhenAll(
            new RelayPlayer(gateway, gameId, black, blackEngine, settings).PlayAsync(cancellationToken),
            new RelayPlayer(gateway, gameId, white, whiteEngine, settings).PlayAsync(cancellationToken)).ConfigureAwait(false);
        if (seats[0].State != Contracts.Games.GameState.Agreed)
        {
            return null;
        }
        // The relays that carried it stamp it: gorelay-relay --fl within seconds of the consensus, or, when its batch
        // optimiser holds the game for a batch that earns the HighQualityData subsidy, within its bound (2 minutes by default).
        var deadline = DateTime.UtcNow.AddSeconds(150);
        while (DateTime.UtcNow < deadline)
        {
            var stamp = await gateway.GetAsync($"api/v1/stamps/{gameId}", cancellationToken).ConfigureAwait(false);
            if (stamp.IsSuccess && stamp.Body?["gameClass"] is { } gameClass)
            {
                return (string?)gameClass switch { "teaching" => GameClass.Teaching, "dogfight" => GameClass.Dogfight, _ => GameClass.Standard };
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    private static string LedgerNames(GameClass c) => c.ToString().ToLowerInvariant();
}
