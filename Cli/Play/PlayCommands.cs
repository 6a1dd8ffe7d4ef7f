using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansGoRelay.Cli.Bench;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Cli.Play;

/// <summary>Both seats of one game.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Black">Black's seat.</param>
/// <param name="White">White's seat.</param>
/// <param name="Error">Why the game could not be played, if it could not.</param>
public sealed record MatchGame(string GameId, SeatReport? Black, SeatReport? White, string? Error);

/// <summary>What <c>gorelay match</c> writes with <c>--report</c>.</summary>
/// <param name="Games">Every game.</param>
/// <param name="ElapsedSeconds">Wall time of the whole match.</param>
public sealed record MatchReport(IReadOnlyList<MatchGame> Games, double ElapsedSeconds);

/// <summary>
/// <c>gorelay play</c>: one player's seat, moves from a GTP engine or the terminal; <c>gorelay match</c>: many games,
/// both seats engine-played, to exercise a federation (and the end-to-end tests).
/// </summary>
internal static class PlayCommands
{
    private const int Failed = 1;
    private const int UsageError = 2;

    private static readonly Option<string[]> Gateways = new("--gateway")
    {
        Description = "Gateway base URL; repeat it: calls move to the next when one stops answering",
        DefaultValueFactory = _ => ["http://127.0.0.1:8080"],
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<string?> Engine = new("--engine")
    {
        Description = "GTP engine command line, e.g. \"/usr/games/gnugo --mode gtp --level 1\"; in match, {game} becomes the game's number (\"--seed {game}\" varies the games)",
    };
    private static readonly Option<int> Size = new("--size") { Description = "Board size", DefaultValueFactory = _ => 19 };
    private static readonly Option<double?> Komi = new("--komi") { Description = "Komi (default: the rule set's)" };
    private static readonly Option<int> HandicapStones = new("--handicap") { Description = "Fixed handicap stones", DefaultValueFactory = _ => 0 };
    private static readonly Option<string> Rules = new("--rules") { Description = "chinese, japanese or tromp-taylor", DefaultValueFactory = _ => "chinese" };
    private static readonly Option<bool> Unrated = new("--unrated") { Description = "Leave the players' ratings alone" };
    private static readonly Option<string> GameType = new("--type") { Description = "standard, teaching or dogfight (steers routing)", DefaultValueFactory = _ => "standard" };
    private static readonly Option<double> Latitude = new("--latitude") { Description = "Where the player is, for routing", DefaultValueFactory = _ => 0 };
    private static readonly Option<double> Longitude = new("--longitude") { Description = "Where the player is, for routing", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> MoveDelay = new("--move-delay") { Description = "Milliseconds to wait before sending each move", DefaultValueFactory = _ => 0 };
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "Log sessions, reconnections and refusals to stderr" };

    /// <summary><c>gorelay play</c>.</summary>
    public static Command Play()
    {
        var player = new Option<string>("--player") { Description = "Your player id", Required = true };
        var game = new Option<string?>("--game") { Description = "The game to join (with --opponent: to create, or join if it exists with the same settings)" };
        var opponent = new Option<string?>("--opponent") { Description = "Create the game against this player" };
        var color = new Option<string>("--color") { Description = "Your colour when creating: black or white", DefaultValueFactory = _ => "black" };
        var command = new Command("play", "Play one seat of a game through the relays: a GTP engine (--engine) or you at the terminal chooses the moves")
        {
            Gateways, player, game, opponent, color, Engine, Size, Komi, HandicapStones, Rules, Unrated, GameType, Latitude, Longitude, MoveDelay, Verbose,
        };
        command.SetAction((parse, cancellationToken) => PlayAsync(parse, parse.GetValue(player)!, parse.GetValue(game), parse.GetValue(opponent), parse.GetValue(color)!, cancellationToken));
        return command;
    }

    /// <summary><c>gorelay match</c>.</summary>
    public static Command Match()
    {
        var games = new Option<int>("--games") { Description = "Games played at once", DefaultValueFactory = _ => 10 };
        var prefix = new Option<string?>("--prefix") { Description = "Game and player id prefix (default: random)" };
        var report = new Option<string?>("--report") { Description = "Write every seat's moves, claims and reconnections here (JSON)" };
        var timeout = new Option<int>("--timeout") { Description = "Give up after this many seconds", DefaultValueFactory = _ => 600 };
        var command = new Command("match", "Play many engine-vs-engine games through the relays at once, both seats each with its own engine process")
        {
            Gateways, Engine, games, prefix, report, timeout, Size, Komi, HandicapStones, Rules, Unrated, GameType, Latitude, Longitude, MoveDelay, Verbose,
        };
        command.SetAction((parse, cancellationToken) => MatchAsync(
            parse, parse.GetValue(games), parse.GetValue(prefix) ?? "m" + Guid.NewGuid().ToString("N")[..8], parse.GetValue(report), parse.GetValue(timeout), cancellationToken));
        return command;
    }

    private static async Task<int> PlayAsync(ParseResult parse, string player, string? gameId, string? opponent, string color, CancellationToken cancellationToken)
    {
        if (!TrySettings(parse, out var settings))
        {
            return UsageError;
        }
        if (color is not ("black" or "white") || (gameId is null && opponent is null))
        {
            Console.Error.WriteLine("Give --game to join a game, or --opponent (and --color black|white) to create one.");
            return UsageError;
        }
        using var gateway = new GatewayClient(parse.GetValue(Gateways)!);
        var log = parse.GetValue(Verbose) ? Console.Error : null;
        try
        {
            gameId ??= "g" + Guid.NewGuid().ToString("N")[..12];
            if (opponent is not null)
            {
                var (black, white) = color == "black" ? (player, opponent) : (opponent, player);
                var created = await CreateGameAsync(gateway, parse, gameId, black, white, cancellationToken).ConfigureAwait(false);
                if (created is not null)
                {
                    Console.Error.WriteLine(created);
                    return UsageError;
                }
                Console.WriteLine($"game {gameId}: {black} (black) vs {white} (white)");
            }
            var engine = parse.GetValue(Engine);
            await using var source = engine is null
                ? new TerminalMoveSource(Console.In, Console.Out, parse.GetValue(Rules)!)
                : (IMoveSource)GtpMoveSource.Start(engine);
            var seat = await new RelayPlayer(gateway, gameId, player, source, settings, log).PlayAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"game {gameId}: {seat.State.ToString().ToLowerInvariant()}, result {seat.Result ?? "none"}, claimed {seat.Claim}, {seat.Chosen.Count} moves chosen, {seat.Reconnections.Count} reconnections");
            return seat.State == GameState.Agreed ? 0 : Failed;
        }
        catch (Exception e) when (e is InvalidOperationException or CommandFailedException or TimeoutException or System.ComponentModel.Win32Exception or IOException)
        {
            Console.Error.WriteLine($"play: {e.Message}");
            return Failed;
        }
    }

    private static async Task<int> MatchAsync(ParseResult parse, int count, string prefix, string? reportFile, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var engine = parse.GetValue(Engine);
        if (!TrySettings(parse, out var settings))
        {
            return UsageError;
        }
        if (engine is null || count < 1)
        {
            Console.Error.WriteLine("match needs --engine and --games of at least 1.");
            return UsageError;
        }
        using var gateway = new GatewayClient(parse.GetValue(Gateways)!);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        var log = parse.GetValue(Verbose) ? Console.Error : null;
        var started = Stopwatch.StartNew();
        var games = await Task.WhenAll(Enumerable.Range(1, count).Select(async i =>
        {
            var gameId = $"{prefix}-{i:000}";
            try
            {
                var created = await CreateGameAsync(gateway, parse, gameId, gameId + "-b", gameId + "-w", timeout.Token).ConfigureAwait(false);
                if (created is not null)
                {
                    return new MatchGame(gameId, null, null, created);
                }
                var seats = await Task.WhenAll(PlaySeatAsync(gameId + "-b"), PlaySeatAsync(gameId + "-w")).ConfigureAwait(false);
                return new MatchGame(gameId, seats[0], seats[1], null);
            }
            catch (Exception e) when (e is InvalidOperationException or CommandFailedException or TimeoutException or OperationCanceledException or IOException or System.ComponentModel.Win32Exception)
            {
                return new MatchGame(gameId, null, null, e.Message);
            }

            async Task<SeatReport> PlaySeatAsync(string player)
            {
                await using var source = GtpMoveSource.Start(engine.Replace("{game}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
                return await new RelayPlayer(gateway, gameId, player, source, settings, log).PlayAsync(timeout.Token).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);

        var report = new MatchReport(games, started.Elapsed.TotalSeconds);
        if (reportFile is not null)
        {
            await File.WriteAllTextAsync(reportFile, JsonSerializer.Serialize(report, GatewayClient.Json), cancellationToken).ConfigureAwait(false);
        }
        foreach (var failed in games.Where(g => g.Error is not null))
        {
            Console.Error.WriteLine($"{failed.GameId}: {failed.Error}");
        }
        var agreed = games.Count(g => g.Black?.State == GameState.Agreed);
        var moves = games.Sum(g => (g.Black?.Chosen.Count ?? 0) + (g.White?.Chosen.Count ?? 0));
        var gaps = games.SelectMany(g => new[] { g.Black, g.White }).SelectMany(s => s?.Reconnections ?? [])
            .Select(r => (r.ResumedAt - r.LostAt).TotalMilliseconds).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"games: {count}, agreed: {agreed}, moves: {moves}, reconnections: {gaps.Count}{(gaps.Count > 0 ? $" (lost to resumed p50 {Quantiles.Of(gaps, 0.5):0} ms, p99 {Quantiles.Of(gaps, 0.99):0} ms)" : "")}, {report.ElapsedSeconds:0.0} s"));
        return agreed == count ? 0 : Failed;
    }

    /// <summary>Creates the game, or finds it created with the same settings; returns the refusal, if any.</summary>
    private static async Task<string?> CreateGameAsync(GatewayClient gateway, ParseResult parse, string gameId, string black, string white, CancellationToken cancellationToken)
    {
        var answer = await gateway.PostAsync("api/v1/games", new
        {
            gameId,
            black,
            white,
            size = parse.GetValue(Size),
            komi = parse.GetValue(Komi),
            handicap = parse.GetValue(HandicapStones),
            rules = parse.GetValue(Rules),
            rated = !parse.GetValue(Unrated),
            gameType = parse.GetValue(GameType),
        }, cancellationToken).ConfigureAwait(false);
        return answer.IsSuccess ? null : $"game {gameId} was not created: {(int)answer.Status} {answer.Code}: {answer.Body?["detail"]}";
    }

    private static bool TrySettings(ParseResult parse, out SeatSettings settings)
    {
        var type = parse.GetValue(GameType);
        settings = new SeatSettings(parse.GetValue(Latitude), parse.GetValue(Longitude),
            type switch { "teaching" => GameClass.Teaching, "dogfight" => GameClass.Dogfight, _ => GameClass.Standard },
            TimeSpan.FromMilliseconds(parse.GetValue(MoveDelay)));
        if (type is "standard" or "teaching" or "dogfight")
        {
            return true;
        }
        Console.Error.WriteLine($"--type is standard, teaching or dogfight, not '{type}'.");
        return false;
    }
}
