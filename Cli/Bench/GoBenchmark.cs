using System.CommandLine;
using System.Diagnostics;
using OrleansGoRelay.Go.Playouts;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench go</c>: SGF parsing MB/s and replay moves/s over the shared game records, and light random
/// playouts/s on 9×9 and 19×19 with positional superko, all on one thread (one core).
/// </summary>
internal static class GoBenchmark
{
    public static Command Command()
    {
        var data = new Option<string?>("--data") { Description = "Folder of .sgf.gz collections (default: ../shared/data above the current folder)" };
        var seconds = new Option<int>("--seconds") { Description = "Measuring time of each playout phase", DefaultValueFactory = _ => 5 };
        var command = new Command("go", "Replay moves/s and SGF MB/s on the shared data; light playouts/s on 9x9 and 19x19 with superko") { data, seconds };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(data) ?? FindSharedData();
            if (folder is null || !Directory.Exists(folder))
            {
                Console.Error.WriteLine("gorelay: no game data folder; pass --data DIR");
                return 2;
            }
            var files = Directory.GetFiles(folder, "*.sgf*").Order(StringComparer.Ordinal).ToArray();
            Console.WriteLine($"gorelay bench go: one thread, {files.Length} files in {folder}");
            Replay(files);
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            Playouts(9, 7.5, duration);
            Playouts(19, 7.5, duration);
            return 0;
        });
        return command;
    }

    private static string? FindSharedData()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data");
            if (Directory.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }
        return null;
    }

    private static void Replay(string[] files)
    {
        var contents = files.Select(SgfParser.ReadFileBytes).ToArray();
        var bytes = contents.Sum(c => (long)c.Length);
        var parse = Stopwatch.StartNew();
        var records = new List<GameRecord>();
        foreach (var content in contents)
        {
            foreach (var entry in SgfParser.Read(content))
            {
                if (entry.Game is not null)
                {
                    try
                    {
                        records.Add(GameImporter.Import(entry.Game, entry.GameNumber));
                    }
                    catch (GameImportException)
                    {
                        // Counted by gorelay replay; the benchmark measures the games that import.
                    }
                }
            }
        }
        parse.Stop();
        Console.WriteLine($"  SGF parse + import: {bytes / 1e6 / parse.Elapsed.TotalSeconds:N1} MB/s ({bytes / 1e6:N1} MB, {records.Count:N0} games, {parse.Elapsed.TotalSeconds:0.00} s)");

        var replayer = new GameReplayer();
        // One warm-up pass so the JIT has compiled the hot path, then the measured pass.
        long moves = 0;
        foreach (var record in records)
        {
            replayer.Replay(record);
        }
        var replay = Stopwatch.StartNew();
        foreach (var record in records)
        {
            moves += replayer.Replay(record).MovesPlayed;
        }
        replay.Stop();
        Console.WriteLine($"  replay (captures, ko, superko where the record's rules say): {moves / replay.Elapsed.TotalSeconds:N0} moves/s ({moves:N0} moves in {replay.Elapsed.TotalSeconds:0.00} s)");
        var superko = Stopwatch.StartNew();
        var chineseMoves = 0L;
        foreach (var record in records)
        {
            chineseMoves += replayer.Replay(record, RuleSet.Chinese).MovesPlayed;
        }
        superko.Stop();
        Console.WriteLine($"  replay, positional superko on every game: {chineseMoves / superko.Elapsed.TotalSeconds:N0} moves/s");
    }

    private static void Playouts(int size, double komi, TimeSpan duration)
    {
        var playout = new LightPlayout(size, KoRule.PositionalSuperko);
        for (var i = 0; i < 200; i++)
        {
            playout.RunFromEmpty(komi);
        }
        var clock = Stopwatch.StartNew();
        long count = 0, moves = 0, blackWins = 0;
        while (clock.Elapsed < duration)
        {
            var (margin, played) = playout.RunFromEmpty(komi);
            count++;
            moves += played;
            blackWins += margin > 0 ? 1 : 0;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  light playouts {size}x{size}, superko on: {count / seconds:N0} playouts/s ({moves / (double)count:0} moves each, {moves / seconds:N0} moves/s, Black wins {100.0 * blackWins / count:0.0}%)");
    }
}
