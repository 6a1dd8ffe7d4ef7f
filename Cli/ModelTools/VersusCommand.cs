using System.CommandLine;
using System.Globalization;
using OrleansGoRelay.Go.Engines;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Cli.ModelTools;

/// <summary>
/// <c>gorelay versus --engine A --against B --games N</c>: two GTP engines play each other directly (no cluster), colours
/// alternating, every move refereed; prints each game and engine A's win rate with its 95 % (Wilson) interval. This is
/// how a model's strength against GNU Go is measured for its model card.
/// </summary>
internal static class VersusCommand
{
    public static Command Command()
    {
        var engine = new Option<string>("--engine") { Description = "Engine A's command line (for example \"dotnet gorelay.dll gtp --model m.onnx\")", Required = true };
        var against = new Option<string>("--against") { Description = "Engine B's command line", DefaultValueFactory = _ => $"{GtpEngine.GnuGoPath} --mode gtp --level 10 --chinese-rules" };
        var games = new Option<int>("--games") { Description = "Games (colours alternate, A black first)", DefaultValueFactory = _ => 20 };
        var size = new Option<int>("--size") { Description = "Board size", DefaultValueFactory = _ => 19 };
        var komi = new Option<double>("--komi") { Description = "Komi", DefaultValueFactory = _ => 7.5 };
        var parallel = new Option<int>("--parallel") { Description = "Games at once, each with its own pair of engine processes", DefaultValueFactory = _ => 1 };
        var command = new Command("versus", "Two GTP engines play each other; engine A's win rate with a 95 % interval (engine B counts the final score)")
        {
            engine, against, games, size, komi, parallel,
        };
        command.SetAction(parse =>
        {
            var total = parse.GetValue(games);
            var workers = Math.Clamp(parse.GetValue(parallel), 1, Math.Max(1, total));
            var next = 0;
            var wins = 0;
            var output = new object();
            var started = System.Diagnostics.Stopwatch.StartNew();
            // Each worker owns one engine pair and takes the next game number; colours follow the game number, so the
            // games played are the same whatever the parallelism.
            Exception? failure = null;
            var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
            {
                try
                {
                    PlayGames();
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or CommandFailedException)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    Interlocked.Exchange(ref next, total); // the other workers stop after their game
                }
            })).ToList();
            void PlayGames()
            {
                var (a, b) = (Start(parse.GetValue(engine)!), Start(parse.GetValue(against)!));
                using (a)
                using (b)
                {
                    for (var game = Interlocked.Increment(ref next); game <= total; game = Interlocked.Increment(ref next))
                    {
                        var aIsBlack = game % 2 == 1;
                        var result = GtpMatch.Play(aIsBlack ? a : b, aIsBlack ? b : a, parse.GetValue(size), parse.GetValue(komi), scorer: b);
                        var aColor = aIsBlack ? Color.Black : Color.White;
                        var how = result.Resigned is { } r ? $"{r} resigned" : result.Score ?? "move limit";
                        lock (output)
                        {
                            wins += result.Winner == aColor ? 1 : 0;
                            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"game {game,3}: A {(aIsBlack ? "black" : "white")}, {result.Moves} moves, {how}: {(result.Winner == aColor ? "A" : result.Winner is null ? "nobody" : "B")} wins ({started.Elapsed.TotalMinutes:0.0} min)"));
                        }
                    }
                }
            }
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            if (failure is not null)
            {
                throw new CommandFailedException($"versus stopped: {failure.Message}", failure);
            }
            var (low, high) = GtpMatch.WinRateInterval(wins, total);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"engine A won {wins} of {total} ({(double)wins / Math.Max(1, total):P1}; 95 % interval {low:P1} to {high:P1})"));
            return 0;
        });
        return command;
    }

    private static GtpEngine Start(string commandLine)
    {
        var parts = commandLine.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new CommandFailedException("An engine's command line is empty.");
        }
        return GtpEngine.Start(parts[0], parts.Length > 1 ? parts[1] : "");
    }
}
