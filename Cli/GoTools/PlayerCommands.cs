using System.CommandLine;
using System.Text.Json;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary><c>gorelay style</c>: a player's style profile over game records.</summary>
internal static class PlayerCommands
{
    public static Command Style()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections", Arity = ArgumentArity.OneOrMore };
        var player = new Option<string>("--player") { Description = "The player, as the records' PB/PW name them", Required = true };
        var model = new Option<string>("--model") { Description = "The .onnx model whose policy measures move quality (consistency)", DefaultValueFactory = _ => AnalysisCommands.ShippedModel };
        var limit = new Option<int>("--games") { Description = "At most this many of the player's games, the first found (0: all)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the profile as JSON (with the definitions)" };
        var command = new Command("style", "A player's style over their games: territorial, fighting, speed (tempo: records carry no times), consistency against the model")
        {
            files, player, model, limit, json,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            var modelPath = parse.GetValue(model)!;
            if (!GameFiles.AllExist(paths))
            {
                return GameFiles.UsageError;
            }
            if (!File.Exists(modelPath))
            {
                Console.Error.WriteLine($"gorelay: {modelPath}: no such model (--model M.onnx)");
                return GameFiles.UsageError;
            }
            var name = parse.GetValue(player)!;
            var wanted = parse.GetValue(limit) is > 0 and var n ? n : int.MaxValue;
            var games = new List<PlayerGame>();
            var malformed = 0;
            foreach (var game in GameFiles.Read(paths, () => $"{games.Count} games of {name}"))
            {
                if (game.Record is null)
                {
                    malformed++;
                    continue;
                }
                if (game.Record.Black == name || game.Record.White == name)
                {
                    games.Add(new PlayerGame(game.Record));
                    if (games.Count >= wanted)
                    {
                        break;
                    }
                }
            }
            if (games.Count == 0)
            {
                Console.Error.WriteLine($"gorelay: no game of '{name}' in {string.Join(", ", paths)}");
                return GameFiles.MalformedInput;
            }
            using var predictor = OnnxMovePredictor.Load(modelPath, Environment.ProcessorCount);
            var style = PlayerStyles.Profile(name, games, predictor, (done, all) => Console.Error.Write($"\rread {done}/{all} games"));
            Console.Error.WriteLine();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { style, definitions = PlayerStyle.Definitions, model = Path.GetFileName(modelPath) }, GameJson.Options));
                return 0;
            }
            Print(style);
            return 0;
        });
        return command;
    }

    private static void Print(PlayerStyle s)
    {
        Console.WriteLine($"{s.Player}: {s.Games} games, {s.Moves} moves");
        Console.WriteLine($"territorial {s.Territorial.Score:0.00}: {s.Territorial.LowLineShare:P0} of opening moves on lines 1-3, {s.Territorial.SecuredShare:P0} of the area leaning to them secured at move 100");
        Console.WriteLine($"fighting {s.Fighting.Score:0.00}: contact {s.Fighting.ContactRate:P0}, atari {s.Fighting.AtariRate:P1}, captures {s.Fighting.CaptureRate:P1} of board moves");
        Console.WriteLine(s.Speed.Basis == "clock"
            ? $"speed (clock): median {s.Speed.MedianSecondsPerMove:0.#} s a move, mean {s.Speed.MeanSecondsPerMove:0.#} s; tenuki {s.Speed.TenukiRate:P0}"
            : $"speed (tempo: the records carry no move times): tenuki {s.Speed.TenukiRate:P0} of answers played more than 4 lines away");
        Console.WriteLine(s.Consistency is { } c
            ? $"consistency over {c.GamesMeasured} games: move quality {c.MeanQuality:0.000} (p(played)/p(model's move)), standard deviation across games {c.StdDevAcrossGames?.ToString("0.000") ?? "n/a (one game)"}, model's first choice {c.ModelAgreement:P0}"
            : "consistency: no game of the model's board size");
        Console.WriteLine("definitions:");
        foreach (var (key, definition) in PlayerStyle.Definitions)
        {
            Console.WriteLine($"  {key}: {definition}");
        }
    }
}
