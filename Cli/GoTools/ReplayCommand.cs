using System.CommandLine;
using System.Diagnostics;
using OrleansGoRelay.Go.Records;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary><c>gorelay replay FILE...</c>: replays every game through the rules and lists every illegal move.</summary>
internal static class ReplayCommand
{
    public static Command Command()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections", Arity = ArgumentArity.OneOrMore };
        var rules = new Option<string?>("--rules") { Description = "Replay under these rules instead of each record's RU: chinese, japanese, tromp-taylor" };
        var command = new Command("replay", "Replay games through the rules engine: games, moves, illegal moves (game and move number), moves/s") { files, rules };
        command.SetAction(parse => Run(parse.GetValue(files) ?? [], parse.GetValue(rules)));
        return command;
    }

    private static int Run(string[] files, string? rulesName)
    {
        if (!GameFiles.AllExist(files) || !GameFiles.TryParseRules(rulesName, out var rules))
        {
            return GameFiles.UsageError;
        }
        var replayer = new GameReplayer();
        long games = 0, moves = 0, illegal = 0, malformed = 0;
        var setups = Enum.GetValues<HandicapSetup>().ToDictionary(s => s, _ => 0L);
        var replayTime = new Stopwatch();
        var total = Stopwatch.StartNew();
        foreach (var game in GameFiles.Read(files, () => $"{games:N0} games, {moves:N0} moves"))
        {
            if (game.Record is null)
            {
                malformed++;
                Console.Error.WriteLine(GameFiles.Describe(game));
                continue;
            }
            replayTime.Start();
            var outcome = replayer.Replay(game.Record, rules);
            replayTime.Stop();
            games++;
            setups[game.Record.HandicapSetup]++;
            moves += outcome.MovesPlayed;
            if (outcome.Illegal is { } bad)
            {
                illegal++;
                Console.WriteLine($"illegal: {game.File}: game {game.GameNumber}, move {bad.MoveNumber}: {bad.Move} ({bad.Reason})");
            }
        }
        Console.WriteLine($"games: {games:N0}, moves: {moves:N0}, illegal moves: {illegal:N0}, malformed games: {malformed:N0}");
        Console.WriteLine($"handicap stones: recorded or none {setups[HandicapSetup.Recorded]:N0}, fixed points {setups[HandicapSetup.FixedPoints]:N0}, " +
            $"placed as the moves show {setups[HandicapSetup.DecidedByPlay]:N0}, unknown (kept out of training) {setups[HandicapSetup.Unknown]:N0}");
        Console.WriteLine($"replay: {moves / Math.Max(replayTime.Elapsed.TotalSeconds, 1e-9):N0} moves/s (rules only), {moves / total.Elapsed.TotalSeconds:N0} moves/s (with reading and parsing), {total.Elapsed.TotalSeconds:0.0} s");
        return malformed > 0 ? GameFiles.MalformedInput : 0;
    }
}
