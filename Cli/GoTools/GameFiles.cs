using System.Diagnostics;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary>A game read from a file, or why it could not be read.</summary>
internal sealed record LoadedGame(string File, int GameNumber, GameRecord? Record, FormatException? Error);

/// <summary>The game files named on a command line: reading them with progress, and the errors users see.</summary>
internal static class GameFiles
{
    /// <summary>Exit code when a command ran but some input was malformed.</summary>
    public const int MalformedInput = 1;

    /// <summary>Exit code for unusable arguments (missing file, unknown option value).</summary>
    public const int UsageError = 2;

    /// <summary>Checks that every file exists; prints the missing ones.</summary>
    public static bool AllExist(IReadOnlyList<string> files)
    {
        var ok = files.Count > 0;
        if (files.Count == 0)
        {
            Console.Error.WriteLine("gorelay: name at least one .sgf or .sgf.gz file");
        }
        foreach (var file in files.Where(f => !File.Exists(f)))
        {
            Console.Error.WriteLine($"gorelay: {file}: no such file");
            ok = false;
        }
        return ok;
    }

    /// <summary>Every game of every file in order, with a progress line on stderr about once a second.</summary>
    public static IEnumerable<LoadedGame> Read(IReadOnlyList<string> files, Func<string>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.FromSeconds(1);
        foreach (var file in files)
        {
            IEnumerable<(int GameNumber, GameRecord? Game, FormatException? Error)> games;
            try
            {
                games = GameImporter.ReadFile(file);
            }
            catch (IOException e)
            {
                games = [(0, null, new FormatException($"cannot read: {e.Message}", e))];
            }
            foreach (var (number, record, error) in games)
            {
                yield return new LoadedGame(file, number, record, error);
                if (progress is not null && clock.Elapsed >= next)
                {
                    next = clock.Elapsed + TimeSpan.FromSeconds(1);
                    Console.Error.WriteLine($"  {Path.GetFileName(file)}: game {number}, {progress()}, {clock.Elapsed.TotalSeconds:0} s");
                }
            }
        }
    }

    /// <summary>Reads a <c>--rules</c> value: chinese, japanese, tromp-taylor (or null to use each record's).</summary>
    public static bool TryParseRules(string? name, out RuleSet? rules)
    {
        rules = null;
        if (name is null)
        {
            return true;
        }
        rules = RuleSet.FromName(name);
        if (rules is null)
        {
            Console.Error.WriteLine($"gorelay: unknown rules '{name}' (chinese, japanese, tromp-taylor)");
        }
        return rules is not null;
    }

    /// <summary>
    /// Game <paramref name="number"/> (from 1) of one file, or the exit code to end with when the file is missing, has no
    /// such game (usage error) or the game is malformed (each said on stderr).
    /// </summary>
    public static (GameRecord? Record, int ExitCode) ReadOne(string path, int number)
    {
        if (!AllExist([path]))
        {
            return (null, UsageError);
        }
        var game = Read([path]).FirstOrDefault(g => g.GameNumber == number);
        if (game is null)
        {
            Console.Error.WriteLine($"gorelay: {path} has no game {number}");
            return (null, UsageError);
        }
        if (game.Record is null)
        {
            Console.Error.WriteLine(Describe(game));
            return (null, MalformedInput);
        }
        return (game.Record, 0);
    }

    /// <summary>How a malformed game reads on stderr.</summary>
    public static string Describe(LoadedGame game) => $"{game.File}: {game.Error!.Message}";
}
