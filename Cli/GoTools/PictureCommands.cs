using System.CommandLine;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Pictures;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary><c>gorelay heatmap</c> and the board pictures other commands write (<c>review --png</c>).</summary>
internal static class PictureCommands
{
    /// <summary>The option naming a board map's kind.</summary>
    public static Option<string> KindOption(string name) => new(name)
    {
        Description = "moves (each point coloured by the move that first took it) or influence (the influence estimate's ownership: Black's +1, White's -1)",
        DefaultValueFactory = _ => "influence",
    };

    /// <summary>Reads a kind's name, saying on stderr what it may be.</summary>
    public static bool TryParseKind(string? name, out BoardMapKind kind)
    {
        kind = BoardMapKind.Influence;
        switch (name)
        {
            case "moves":
                kind = BoardMapKind.Moves;
                return true;
            case "influence":
                return true;
            default:
                Console.Error.WriteLine($"gorelay: a board map is moves or influence, not '{name}'");
                return false;
        }
    }

    /// <summary>Writes the record's map after <paramref name="moveNumber"/> moves (null: the last) as a PNG and says where.</summary>
    public static void WriteBoardMap(GameRecord record, BoardMapKind kind, int? moveNumber, string path)
    {
        var map = BoardMaps.Of(record, kind, moveNumber);
        PictureStyle.Save(BoardPictures.Png(record, map), path);
        Console.Error.WriteLine($"wrote {path} ({kind.ToString().ToLowerInvariant()} after move {map.MoveNumber})");
    }

    public static Command Heatmap()
    {
        var file = new Argument<string>("file") { Description = "An .sgf or .sgf.gz file" };
        var gameNumber = new Option<int>("--game") { Description = "Which game of the collection (from 1)", DefaultValueFactory = _ => 1 };
        var kind = KindOption("--kind");
        var move = new Option<int?>("--move") { Description = "The position after this move (default: the last)" };
        var output = new Option<string>("--out") { Description = "The PNG to write", Required = true };
        var command = new Command("heatmap", "A game's move heatmap or influence map as a PNG (board grid, stones, colour scale, title)") { file, gameNumber, kind, move, output };
        command.SetAction(parse =>
        {
            if (!TryParseKind(parse.GetValue(kind), out var mapKind))
            {
                return GameFiles.UsageError;
            }
            var (record, exitCode) = GameFiles.ReadOne(parse.GetValue(file)!, parse.GetValue(gameNumber));
            if (record is null)
            {
                return exitCode;
            }
            WriteBoardMap(record, mapKind, parse.GetValue(move), parse.GetValue(output)!);
            return 0;
        });
        return command;
    }
}
