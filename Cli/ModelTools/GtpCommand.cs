using System.CommandLine;
using System.Globalization;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Engine;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Cli.ModelTools;

/// <summary>
/// <c>gorelay gtp --model M.onnx</c>: the model as a GTP engine on standard input and output, for GoGui, Sabaki,
/// Lizzie and <c>gorelay match</c>. Commands: protocol_version, name, version, known_command, list_commands, boardsize,
/// clear_board, komi, play, genmove, undo, final_score, showboard, quit.
/// </summary>
internal static class GtpCommand
{
    private static readonly string[] Commands =
        ["protocol_version", "name", "version", "known_command", "list_commands", "boardsize", "clear_board", "komi", "play", "genmove", "undo", "final_score", "showboard", "quit"];

    public static Command Command()
    {
        var model = new Option<string>("--model") { Description = "The .onnx model", Required = true };
        var resign = new Option<double>("--resign-below") { Description = "Resign when the value stays below this for 3 moves (-1: never)", DefaultValueFactory = _ => -0.95 };
        var threads = new Option<int>("--threads") { Description = "Threads per evaluation", DefaultValueFactory = _ => 1 };
        var command = new Command("gtp", "Play the model's best legal move over GTP on standard input and output") { model, resign, threads };
        command.SetAction(parse =>
        {
            if (!File.Exists(parse.GetValue(model)))
            {
                Console.Error.WriteLine($"gorelay: {parse.GetValue(model)}: no such file");
                return 2;
            }
            using var predictor = OnnxMovePredictor.Load(parse.GetValue(model)!, parse.GetValue(threads));
            var engine = new PolicyEngine(predictor, new EngineOptions(parse.GetValue(resign)));
            Run(engine, Console.In, Console.Out);
            return 0;
        });
        return command;
    }

    /// <summary>Answers commands until <c>quit</c> or the end of input.</summary>
    public static void Run(PolicyEngine engine, TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        while (input.ReadLine() is { } line)
        {
            var words = line.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }
            var id = int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? words[0] : "";
            var arguments = id.Length > 0 ? words[1..] : words;
            if (arguments.Length == 0)
            {
                continue;
            }
            var (ok, answer) = Answer(engine, arguments[0].ToLowerInvariant(), arguments[1..]);
            output.Write($"{(ok ? '=' : '?')}{id} {answer}\n\n");
            output.Flush();
            if (ok && arguments[0].Equals("quit", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }
    }

    private static (bool Ok, string Answer) Answer(PolicyEngine engine, string command, string[] arguments)
    {
        try
        {
            return command switch
            {
                "protocol_version" => (true, "2"),
                "name" => (true, "OrleansGoRelay"),
                "version" => (true, typeof(GtpCommand).Assembly.GetName().Version?.ToString() ?? "0"),
                "known_command" => (true, arguments.Length > 0 && Commands.Contains(arguments[0].ToLowerInvariant()) ? "true" : "false"),
                "list_commands" => (true, string.Join('\n', Commands)),
                "boardsize" => BoardSize(engine, arguments),
                "clear_board" => Done(engine.Clear),
                "komi" => Komi(engine, arguments),
                "play" => Play(engine, arguments),
                "genmove" => GenerateMove(engine, arguments),
                "undo" => engine.Undo() ? (true, "") : (false, "cannot undo"),
                "final_score" => (true, FinalScore(engine)),
                "showboard" => (true, "\n" + engine.Board),
                "quit" => (true, ""),
                _ => (false, "unknown command"),
            };
        }
        catch (FormatException e)
        {
            return (false, $"syntax error: {e.Message}");
        }
    }

    private static (bool, string) Done(Action action)
    {
        action();
        return (true, "");
    }

    private static (bool, string) BoardSize(PolicyEngine engine, string[] arguments)
    {
        if (arguments.Length != 1 || !int.TryParse(arguments[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            return (false, "boardsize takes one number");
        }
        if (size != engine.Size)
        {
            return (false, $"unacceptable size (this model plays {engine.Size}x{engine.Size})");
        }
        engine.Clear();
        return (true, "");
    }

    private static (bool, string) Komi(PolicyEngine engine, string[] arguments)
    {
        if (arguments.Length != 1 || !double.TryParse(arguments[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var komi))
        {
            return (false, "komi takes one number");
        }
        engine.Komi = komi;
        return (true, "");
    }

    private static Color ParseColor(string text) => text.ToLowerInvariant() switch
    {
        "b" or "black" => Color.Black,
        "w" or "white" => Color.White,
        _ => throw new FormatException($"'{text}' is not a color"),
    };

    private static (bool, string) Play(PolicyEngine engine, string[] arguments)
    {
        if (arguments.Length != 2)
        {
            return (false, "play takes a color and a vertex");
        }
        var move = new Move(ParseColor(arguments[0]), Point.FromGtp(arguments[1], engine.Size));
        var legality = engine.Play(move);
        return legality == MoveLegality.Legal ? (true, "") : (false, $"illegal move ({legality})");
    }

    private static (bool, string) GenerateMove(PolicyEngine engine, string[] arguments)
    {
        if (arguments.Length != 1)
        {
            return (false, "genmove takes a color");
        }
        return engine.GenerateMove(ParseColor(arguments[0])) is { } move ? (true, move.Point.ToGtp(engine.Size)) : (true, "resign");
    }

    private static string FinalScore(PolicyEngine engine)
    {
        var margin = engine.Count().Margin;
        return margin == 0 ? "0" : string.Create(CultureInfo.InvariantCulture, $"{(margin > 0 ? 'B' : 'W')}+{Math.Abs(margin):0.#}");
    }
}
