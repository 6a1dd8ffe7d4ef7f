using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench codecs</c>: one real client update (local SGD from fresh weights of the chosen net over a client's
/// Fox games) through each update codec: bytes on the wire against the design's 10 MB bound, encode and decode time,
/// and the relative L2 error of what the server decodes. Top-k's error is what error feedback carries to the next round.
/// </summary>
internal static class CodecBenchmark
{
    public static Command Command()
    {
        var blocks = new Option<int>("--blocks") { Description = "Residual blocks", DefaultValueFactory = _ => 6 };
        var channels = new Option<int>("--channels") { Description = "Channels", DefaultValueFactory = _ => 48 };
        var steps = new Option<int>("--steps") { Description = "Local SGD steps behind the update", DefaultValueFactory = _ => 20 };
        var topk = new Option<double>("--topk") { Description = "Share of coordinates top-k keeps", DefaultValueFactory = _ => 0.01 };
        var repeat = new Option<int>("--repeat") { Description = "Encodes and decodes timed per codec (the median is shown)", DefaultValueFactory = _ => 9 };
        var command = new Command("codecs", "Federated update compression: bytes, time and error of each codec on a real update") { blocks, channels, steps, topk, repeat };
        command.SetAction(parse =>
        {
            var config = new NetConfig(19, parse.GetValue(blocks), parse.GetValue(channels));
            var layout = ParameterLayout.Of(config);
            var games = GameCollections.Read([Path.Combine("..", "shared", "data", "fox-pro.sgf.gz")], 19, new GameSplit(), DataPart.Training).Take(20).ToList();
            var positions = games.SelectMany(GamePositions.Of).ToList();
            Console.WriteLine($"gorelay bench codecs: {config.Blocks}x{config.Channels} net, {layout.Length:N0} floats; an update of {parse.GetValue(steps)} local steps over {positions.Count:N0} positions of {games.Count} Fox games");
            var update = LocalTrainer.Train("bench", layout, layout.Initial(1), positions, new LocalTrainingOptions(Steps: parse.GetValue(steps), BatchSize: 32, LearningRate: 0.1)).Update.Delta;
            var norm = VectorMath.L2Norm(update);
            Console.WriteLine("codec    |        bytes | of 10 MB | ratio | encode ms | decode ms | relative L2 error");
            foreach (var name in UpdateCodecs.Names)
            {
                var times = new List<(double Encode, double Decode)>();
                byte[] bytes = [];
                float[] decoded = [];
                for (var r = 0; r < parse.GetValue(repeat); r++)
                {
                    // A fresh codec each time: top-k's residual would otherwise change what the next encode sends.
                    var codec = UpdateCodecs.Create(name, layout, parse.GetValue(topk));
                    var clock = Stopwatch.StartNew();
                    bytes = codec.Encode(update);
                    var encode = clock.Elapsed.TotalMilliseconds;
                    clock.Restart();
                    decoded = codec.Decode(bytes, update.Length);
                    times.Add((encode, clock.Elapsed.TotalMilliseconds));
                }
                var error = Math.Sqrt(VectorMath.SquaredDistance(update, decoded)) / norm;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-8} | {bytes.Length,12:N0} | {bytes.Length / 10e6,8:P2} | {4.0 * update.Length / bytes.Length,5:0.0} | {Median(times.Select(t => t.Encode)),9:0.0} | {Median(times.Select(t => t.Decode)),9:0.0} | {error:0.0000}"));
            }
            return 0;
        });
        return command;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
