using System.CommandLine;
using System.Text.Json;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Engines;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Scoring;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary><c>gorelay classify|features|review|score</c>: the analysis tools for players and analysts.</summary>
internal static class AnalysisCommands
{
    private static Option<string> EvaluatorOption(string fallback) => new("--evaluator")
    {
        Description = "influence (fast heuristic), value (the network's value head, --model) or gnugo (GNU Go estimate_score over GTP, slow)",
        DefaultValueFactory = _ => fallback,
    };

    private static Option<string> ModelOption() => new("--model")
    {
        Description = "The .onnx model for --evaluator value",
        DefaultValueFactory = _ => ShippedModel,
    };

    private static IGameEvaluator? CreateEvaluator(string name, string model, double? leadBand = null)
    {
        switch (name)
        {
            case "influence":
                return new InfluenceEvaluator();
            case "gnugo":
                return new GnuGoEvaluator();
            case "value" when File.Exists(model):
                // One thread per core: a collection is evaluated in batches of a game's positions.
                return new ValueNetEvaluator(OnnxMovePredictor.Load(model, Environment.ProcessorCount))
                {
                    Thresholds = ValueNetEvaluator.Calibrated with { LeadBand = leadBand ?? ValueNetEvaluator.Calibrated.LeadBand },
                };
            case "value":
                Console.Error.WriteLine($"gorelay: {model}: no such model (--model M.onnx)");
                return null;
            default:
                Console.Error.WriteLine($"gorelay: unknown evaluator '{name}' (influence, value, gnugo)");
                return null;
        }
    }

    public static Command Classify()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections", Arity = ArgumentArity.OneOrMore };
        var evaluatorName = EvaluatorOption("influence");
        var model = ModelOption();
        var calibrate = new Option<bool>("--calibrate") { Description = "Also calibrate the evaluator's thresholds on these games and print the variance distributions and confusion tables" };
        var every = new Option<int>("--every") { Description = "Analyse every n-th game only (a deterministic sample)", DefaultValueFactory = _ => 1 };
        var leadBand = new Option<double?>("--lead-band") { Description = "For --evaluator value: how far from even the smoothed value must be for a side to lead (to try another before calibrating)" };
        var command = new Command("classify", "Count games per value class (teaching, dogfight, standard), with ratings taken from the ranks")
        {
            files, evaluatorName, model, calibrate, every, leadBand,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            if (!GameFiles.AllExist(paths) || CreateEvaluator(parse.GetValue(evaluatorName)!, parse.GetValue(model)!, parse.GetValue(leadBand)) is not { } evaluator)
            {
                return GameFiles.UsageError;
            }
            var step = Math.Max(1, parse.GetValue(every));
            var analyzer = new GameAnalyzer(evaluator);
            var counts = Enum.GetValues<GameClass>().ToDictionary(c => c, _ => 0L);
            var calibration = new List<CalibrationGame>();
            long unrated = 0, malformed = 0, games = 0, seen = 0;
            foreach (var game in GameFiles.Read(paths, () => $"{games:N0} games classified"))
            {
                if (game.Record is null)
                {
                    malformed++;
                    Console.Error.WriteLine(GameFiles.Describe(game));
                    continue;
                }
                if (seen++ % step != 0)
                {
                    continue;
                }
                var analysis = analyzer.Analyze(game.Record);
                counts[analysis.Class]++;
                unrated += analysis.RatingDifferential is null ? 1 : 0;
                games++;
                calibration.Add(CalibrationGame.Of(game.Record, analysis, evaluator.Thresholds));
            }
            Console.WriteLine($"games: {games:N0} (evaluator: {evaluator.Name}; {unrated:N0} without both ranks count as standard)");
            foreach (var (gameClass, count) in counts)
            {
                Console.WriteLine($"{gameClass.ToString().ToLowerInvariant()}: {count:N0} ({100.0 * count / Math.Max(1, games):0.0}%)");
            }
            CalibrationReport.Print(calibration, evaluator.Thresholds, "in force");
            if (parse.GetValue(calibrate))
            {
                var calibrated = new ClassificationCalibration().Calibrate(calibration, evaluator.Thresholds);
                CalibrationReport.Print(calibration, calibrated, "calibrated on these games");
            }
            (evaluator as IDisposable)?.Dispose();
            return malformed > 0 ? GameFiles.MalformedInput : 0;
        });
        return command;
    }

    public static Command Features()
    {
        var files = new Argument<string[]>("files") { Description = ".sgf or .sgf.gz collections", Arity = ArgumentArity.OneOrMore };
        var command = new Command("features", "Game features as JSON lines: opening, fighting intensity, territory balance, phases, complexity, heatmap, shapes") { files };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            if (!GameFiles.AllExist(paths))
            {
                return GameFiles.UsageError;
            }
            var analyzer = new GameAnalyzer(new InfluenceEvaluator());
            long malformed = 0, games = 0;
            using var output = new StreamWriter(Console.OpenStandardOutput());
            foreach (var game in GameFiles.Read(paths, () => $"{games:N0} games"))
            {
                if (game.Record is null)
                {
                    malformed++;
                    Console.Error.WriteLine(GameFiles.Describe(game));
                    continue;
                }
                var analysis = analyzer.Analyze(game.Record);
                output.WriteLine(JsonSerializer.Serialize(new { file = game.File, game = game.GameNumber, black = game.Record.Black, white = game.Record.White, features = analysis.Features }, GameJson.Options));
                games++;
            }
            return malformed > 0 ? GameFiles.MalformedInput : 0;
        });
        return command;
    }

    /// <summary>The shipped model, the default of every tool that reads games with the model.</summary>
    internal const string ShippedModel = "models/baseline/model-int8.onnx";

    public static Command Review()
    {
        var file = new Argument<string>("file") { Description = "An .sgf or .sgf.gz file" };
        var gameNumber = new Option<int>("--game") { Description = "Which game of the collection (from 1)", DefaultValueFactory = _ => 1 };
        var swings = new Option<string>("--evaluator")
        {
            Description = "What finds the mistakes (falls of the mover's estimated margin): gnugo (GNU Go estimate_score, seconds a game) or influence (fast heuristic, rarely sees a mover lose 3 points); the model reads every move either way",
            DefaultValueFactory = _ => "gnugo",
        };
        var model = new Option<string>("--model") { Description = "The .onnx model that reviews the game (its move, its value, its agreement)", DefaultValueFactory = _ => ShippedModel };
        var png = new Option<string?>("--png") { Description = "Also write the game's board map as a PNG here (--png-kind)" };
        var pngKind = PictureCommands.KindOption("--png-kind");
        var command = new Command("review", "The model's review of one game: critical moves (value swings), mistakes with the model's move, turning point, agreement, lessons")
        {
            file, gameNumber, swings, model, png, pngKind,
        };
        command.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model)!;
            var evaluatorName = parse.GetValue(swings)!;
            if (!File.Exists(modelPath))
            {
                Console.Error.WriteLine($"gorelay: {modelPath}: no such model (--model M.onnx)");
                return GameFiles.UsageError;
            }
            if (evaluatorName is not ("influence" or "gnugo") || CreateEvaluator(evaluatorName, modelPath) is not { } evaluator)
            {
                Console.Error.WriteLine($"gorelay: --evaluator is influence or gnugo, not '{evaluatorName}'");
                return GameFiles.UsageError;
            }
            if (!PictureCommands.TryParseKind(parse.GetValue(pngKind), out var kind))
            {
                return GameFiles.UsageError;
            }
            var (r, exitCode) = GameFiles.ReadOne(parse.GetValue(file)!, parse.GetValue(gameNumber));
            if (r is null)
            {
                return exitCode;
            }
            using var predictor = OnnxMovePredictor.Load(modelPath, Environment.ProcessorCount);
            if (r.Size != predictor.BoardSize)
            {
                Console.Error.WriteLine($"gorelay: the model plays {predictor.BoardSize}x{predictor.BoardSize}; this game is {r.Size}x{r.Size}");
                return GameFiles.UsageError;
            }
            var version = Path.GetFileName(modelPath);
            var (review, analysis) = GameReviewer.ReviewWithAnalysis(predictor, r, version, evaluator, ReviewProgress);
            Console.Error.WriteLine();
            (evaluator as IDisposable)?.Dispose();
            Console.WriteLine($"{r.Black ?? "?"} ({r.BlackRank?.ToString() ?? "?"}) vs {r.White ?? "?"} ({r.WhiteRank?.ToString() ?? "?"}), {r.Size}x{r.Size}, komi {r.Komi}, result {r.Result}");
            Console.WriteLine($"reviewed by {version} ({review.Moves} moves); mistakes by the {review.SwingEvaluator} evaluator");
            Console.WriteLine($"class: {review.Class} (rating differential {analysis.RatingDifferential?.ToString("0") ?? "unknown"}, swing variance {analysis.SwingVariance:0.###})");
            Console.WriteLine($"phases: opening to move {analysis.Features.Phases.OpeningToMiddle}, endgame from move {analysis.Features.Phases.MiddleToEnd}, {analysis.Features.Phases.End} moves");
            Console.WriteLine($"agreement with the model's first choice: Black {review.Agreement["B"]:P0}, White {review.Agreement["W"]:P0}");
            Console.WriteLine(review.TurningPoint is { } turning ? $"turning point: {Describe(turning, "points")}" : "turning point: none (no swing of 3 points or more)");
            Console.WriteLine("mistakes (the evaluator's margin fell for the mover):");
            foreach (var m in review.Mistakes)
            {
                Console.WriteLine($"  {Describe(m, "points")}");
            }
            Console.WriteLine("critical moves (the model's value head: the mover's win probability fell):");
            foreach (var m in review.CriticalMoves ?? [])
            {
                Console.WriteLine($"  {Describe(m, "points of win probability (of 100)")}");
            }
            Console.WriteLine("policy blunders (the model was sure of its move and gave the one played under 5 %):");
            foreach (var m in review.PolicyBlunders ?? [])
            {
                Console.WriteLine($"  {Describe(m, "points of probability")}");
            }
            Console.WriteLine("lessons:");
            Console.WriteLine($"  opening: {analysis.Lessons.Opening}");
            Console.WriteLine($"  middle game: {analysis.Lessons.MiddleGameConcept}");
            Console.WriteLine($"  endgame: {analysis.Lessons.EndgamePointsSaved:0.#} points between the players' endgames");
            Console.WriteLine($"  tactics: {analysis.Lessons.TacticalSequence ?? "no sequence of captures and ataris"}");
            if (parse.GetValue(png) is { } pngPath)
            {
                PictureCommands.WriteBoardMap(r, kind, null, pngPath);
            }
            return 0;
        });
        return command;
    }

    private static string Describe(ReviewedMove m, string unit) =>
        $"move {m.MoveNumber} {m.Color} {m.Played}: {m.Kind}, {m.Swing:0.#} {unit} in the {m.Phase}; the model plays {m.ModelMove} ({m.ModelMoveProbability:P0}, the move played {m.PlayedProbability:P1})";

    // Progress as moves reviewed of the game's moves (the model reads the final position too), on stderr, one line redrawn.
    private static void ReviewProgress(int positionsRead, int positions) =>
        Console.Error.Write($"\rreviewed {Math.Min(positionsRead, positions - 1)}/{positions - 1} moves");

    public static Command Score()
    {
        var file = new Argument<string>("file") { Description = "An .sgf or .sgf.gz file" };
        var rulesName = new Option<string?>("--rules") { Description = "Count under these rules instead of the record's: chinese, japanese, tromp-taylor" };
        var dead = new Option<string>("--dead") { Description = "How dead stones are found: influence (estimate) or gnugo (final_status_list dead)", DefaultValueFactory = _ => "influence" };
        var command = new Command("score", "Count the final position of each game and compare with the recorded result") { file, rulesName, dead };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var deadSource = parse.GetValue(dead)!;
            if (!GameFiles.AllExist([path]) || !GameFiles.TryParseRules(parse.GetValue(rulesName), out var rules))
            {
                return GameFiles.UsageError;
            }
            if (deadSource is not ("influence" or "gnugo"))
            {
                Console.Error.WriteLine($"gorelay: unknown --dead '{deadSource}' (influence, gnugo)");
                return GameFiles.UsageError;
            }
            var malformed = 0;
            foreach (var game in GameFiles.Read([path]))
            {
                if (game.Record is not { } record)
                {
                    malformed++;
                    Console.Error.WriteLine(GameFiles.Describe(game));
                    continue;
                }
                var ruleSet = rules ?? record.Rules;
                var replayer = new GameReplayer();
                var outcome = replayer.Replay(record, ruleSet);
                var board = replayer.LastBoard(record, ruleSet);
                var deadStones = deadSource == "gnugo" ? GnuGoDead(record, outcome.MovesPlayed) : EstimatedDead(board, record.Komi);
                var score = Scorer.Count(board, ruleSet, record.Komi, deadStones);
                var stopped = outcome.Illegal is { } bad ? $" (stopped before illegal move {bad.MoveNumber})" : "";
                Console.WriteLine($"game {game.GameNumber}: {ruleSet.Name} counting, Black {score.Black:0.#}, White {score.White:0.#} with komi {record.Komi} -> {score.Result} (recorded {record.Result}), {deadStones.Count} dead stones{stopped}");
            }
            return malformed > 0 ? GameFiles.MalformedInput : 0;
        });
        return command;
    }

    private static List<Point> EstimatedDead(Board board, double komi)
    {
        var ownership = InfluenceEvaluator.Evaluate(board, komi).Ownership;
        var dead = new List<Point>();
        foreach (var index in board.Indices())
        {
            var p = board.PointOf(index);
            var owner = ownership[p.Y * board.Size + p.X];
            if ((board[index] == Stone.Black && owner < 0) || (board[index] == Stone.White && owner > 0))
            {
                dead.Add(p);
            }
        }
        return dead;
    }

    private static List<Point> GnuGoDead(GameRecord record, int moves)
    {
        using var engine = GtpEngine.StartGnuGo(level: 1, chineseRules: record.Rules.Scoring == ScoringMethod.Area);
        GnuGoPositions.PlayTo(engine, record, moves);
        return [.. engine.Send("final_status_list dead").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => Point.FromGtp(v, record.Size))];
    }
}
