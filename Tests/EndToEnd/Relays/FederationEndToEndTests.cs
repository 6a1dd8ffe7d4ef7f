extern alias gorelay;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using gorelay::OrleansGoRelay.Cli.Bench;
using gorelay::OrleansGoRelay.Cli.Play;
using gorelay::OrleansGoRelay.Cli.Processes;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansGoRelay.Tests.Relays;

/// <summary>
/// The federation with real processes on loopback: two silo processes (each with its gateway), three relay agents
/// and <c>gorelay match</c> playing 20 GNU Go vs GNU Go games (9×9, level 1) through the relays, each seat with its own
/// engine. Mid-game a relay, or a silo, is killed with SIGKILL; every game must still finish with consensus and a
/// rating update, and each game's SGF must be exactly the moves the engines chose.
/// </summary>
[Trait("Category", "Slow")]
public sealed class FederationEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Games = 20;
    private readonly PostgresDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task SigkillOfARelayMidGameMovesItsSessionsAndEveryGameFinishesWithConsensus()
    {
        await using var federation = await Federation.StartAsync(_database.ConnectionString, output);
        var (match, killedAt, victim) = await PlayAndKillAsync(federation, "relay", async () =>
        {
            var busiest = (await federation.RelaysAsync()).OrderByDescending(r => r.Sessions).First();
            var at = DateTimeOffset.UtcNow;
            federation.Relays.Single(r => r.Name == busiest.RelayId).Kill();
            return (busiest.RelayId, at);
        });

        var report = await VerifyEveryGameAsync(federation, match);
        var lost = report.Games.SelectMany(g => new[] { g.Black!, g.White! })
            .Where(seat => seat.Reconnections.Any(r => r.FromRelay == victim)).ToList();
        Assert.NotEmpty(lost);
        var failovers = new List<double>();
        foreach (var seat in lost)
        {
            var game = await federation.GameAsync(seat.GameId);
            var assignment = seat.Color == "B" ? game.BlackRelay! : game.WhiteRelay!;
            // The failover coordinator moved the seat (not the player routing itself afresh), onto a live relay.
            Assert.Equal("failover", assignment.Reason);
            Assert.NotEqual(victim, assignment.RelayId);
            failovers.Add((assignment.At - killedAt).TotalMilliseconds);
        }
        failovers.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"relay {victim} killed: {lost.Count} sessions in {lost.Select(s => s.GameId).Distinct().Count()} games failed over; kill to reassignment p50 {Quantiles.Of(failovers, 0.5):0} ms, p99 {Quantiles.Of(failovers, 0.99):0} ms, max {failovers[^1]:0} ms"));
        // The design's original bound; the figures above are what the README reports against the 3 s target.
        Assert.All(failovers, ms => Assert.InRange(ms, 0, 30_000));
    }

    [Fact]
    public async Task SigkillOfASiloMidGameLosesNoMoveAndEveryGameFinishesWithConsensus()
    {
        await using var federation = await Federation.StartAsync(_database.ConnectionString, output);
        var (match, killedAt, _) = await PlayAndKillAsync(federation, "silo", () =>
        {
            var at = DateTimeOffset.UtcNow;
            federation.Silos[0].Kill();
            return Task.FromResult((federation.Silos[0].Name, at));
        });

        var report = await VerifyEveryGameAsync(federation, match);
        // How long the games stood still across the kill: the longest gap between consecutive moves spanning it.
        var pauses = new List<double>();
        foreach (var entry in report.Games)
        {
            var moves = (await federation.GameAsync(entry.GameId)).Moves;
            var across = moves.Zip(moves.Skip(1)).Where(p => p.First.At <= killedAt && p.Second.At > killedAt).ToList();
            pauses.AddRange(across.Select(p => (p.Second.At - p.First.At).TotalMilliseconds));
        }
        pauses.Sort();
        Assert.NotEmpty(pauses);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"silo killed: {pauses.Count} games in play across the kill; their pause p50 {Quantiles.Of(pauses, 0.5):0} ms, p99 {Quantiles.Of(pauses, 0.99):0} ms"));
    }

    /// <summary>Starts the match, waits until every game is well under way, kills, and waits for the match to end.</summary>
    /// <remarks><paramref name="kill"/> names its victim and the moment just before the SIGKILL (waiting for the process to be reaped takes a while).</remarks>
    private async Task<(ChildProcess Match, DateTimeOffset KilledAt, string Victim)> PlayAndKillAsync(Federation federation, string prefix, Func<Task<(string Victim, DateTimeOffset At)>> kill)
    {
        var match = federation.StartMatch(prefix);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            Assert.False(match.HasExited, $"The match ended before the kill:\n{match.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"The games did not get under way:\n{match.Output}");
            var played = await Task.WhenAll(Enumerable.Range(1, Games).Select(i => federation.MovesPlayedAsync($"{prefix}-{i:000}")));
            if (played.Min() >= 10)
            {
                break;
            }
            await Task.Delay(200);
        }
        var (victim, killedAt) = await kill();
        output.WriteLine($"killed {victim} at {killedAt:HH:mm:ss.fff}");
        var exit = await match.WaitForExitAsync(TimeSpan.FromSeconds(300));
        output.WriteLine(match.Output.Split('\n').LastOrDefault(l => l.StartsWith("games:", StringComparison.Ordinal)) ?? "");
        if (exit != 0)
        {
            Assert.Fail($"gorelay match exited with {exit}; games that did not end agreed:\n{await DescribeUnfinishedGamesAsync(federation, prefix, killedAt)}\nmatch output:\n{match.Output}");
        }
        return (match, killedAt, victim);
    }

    /// <summary>Each game of the match that did not end agreed: where it stands, its last moves and both seats' relay assignments.</summary>
    private static async Task<string> DescribeUnfinishedGamesAsync(Federation federation, string prefix, DateTimeOffset killedAt)
    {
        var lines = new List<string>();
        foreach (var gameId in Enumerable.Range(1, Games).Select(i => $"{prefix}-{i:000}"))
        {
            var game = await federation.GameAsync(gameId);
            if (game.State == GameState.Agreed)
            {
                continue;
            }
            static string Seat(RelayAssignment? a) => a is null ? "none" : $"{a.RelayId} (epoch {a.Epoch}, {a.Reason}, {a.At:HH:mm:ss.fff})";
            var last = string.Join(", ", game.Moves.TakeLast(3).Select(m => $"#{m.Number} {m.Color} {m.Move} at {m.At:HH:mm:ss.fff}"));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {gameId}: {game.State}, {game.Moves.Count} moves, to move {game.ToMove}, claims [{string.Join(", ", game.Claims.Select(c => $"{c.Player} {c.Result}"))}]; last: {last}; black on {Seat(game.BlackRelay)}, white on {Seat(game.WhiteRelay)}; kill at {killedAt:HH:mm:ss.fff}"));
        }
        return lines.Count == 0 ? "  (every game is agreed: the match itself failed)" : string.Join('\n', lines);
    }

    /// <summary>Every game agreed and rated, and its SGF is exactly the engines' moves in order: nothing lost, nothing twice.</summary>
    private static async Task<MatchReport> VerifyEveryGameAsync(Federation federation, ChildProcess match)
    {
        var report = JsonSerializer.Deserialize<MatchReport>(await File.ReadAllTextAsync(federation.ReportFile), GatewayClient.Json)!;
        Assert.Equal(Games, report.Games.Count);
        foreach (var entry in report.Games)
        {
            Assert.True(entry.Error is null, $"{entry.GameId}: {entry.Error}\n{match.Output}");
            var chosen = entry.Black!.Chosen.Concat(entry.White!.Chosen).OrderBy(m => m.Number).ToList();
            Assert.Equal(Enumerable.Range(1, chosen.Count), chosen.Select(m => m.Number));
            var game = await federation.GameAsync(entry.GameId);
            Assert.Equal(GameState.Agreed, game.State);
            Assert.True(game.Consensus);
            Assert.True(game.Rated);
            Assert.Equal(entry.Black.Claim, game.Result);

            var sgf = await federation.Http.GetStringAsync($"/api/v1/games/{entry.GameId}/sgf");
            var record = GameImporter.Import(SgfParser.Parse(sgf)[0]);
            var played = chosen.Where(m => m.Move != "resign")
                .Select(m => new Move(m.Number % 2 == 1 ? Color.Black : Color.White, Point.FromGtp(m.Move, 9))).ToList();
            Assert.Equal(played, record.Moves);

            var black = await federation.Http.GetFromJsonAsync<JsonElement>($"/api/v1/players/{game.Spec.Black}");
            Assert.Equal(1, black.GetProperty("games").GetInt32());
        }
        return report;
    }

    /// <summary>Two silos, three relay agents (each knowing both gateways), and where the match writes its report.</summary>
    private sealed class Federation : IAsyncDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("gorelay-e2e").FullName;
        private ITestOutputHelper? _output;

        private Federation(IReadOnlyList<SiloProcess> silos)
        {
            Silos = silos;
            // Ask the silo that survives both tests.
            Http = silos[1].Http;
        }

        public IReadOnlyList<SiloProcess> Silos { get; }

        public List<ChildProcess> Relays { get; } = [];

        public HttpClient Http { get; }

        public string ReportFile => Path.Combine(_directory, "match.json");

        public static async Task<Federation> StartAsync(string connectionString, ITestOutputHelper output)
        {
            var silos = await Task.WhenAll(SiloProcess.StartAsync(connectionString, "e2e-a"), SiloProcess.StartAsync(connectionString, "e2e-b"));
            var federation = new Federation(silos) { _output = output };
            foreach (var (id, latitude) in new[] { ("relay-1", 52.4), ("relay-2", 50.1), ("relay-3", 48.9) })
            {
                var port = ChildProcess.FreePort();
                var relay = ChildProcess.StartDotnet(id, ChildProcess.BuiltDll("RelayAgent", "gorelay-relay"),
                [
                    "--urls", $"http://127.0.0.1:{port}", $"--Relay:RelayId={id}", $"--Relay:KeyFile={Path.Combine(federation._directory, id + ".pem")}",
                    $"--Relay:Gateways:0={silos[0].Url}", $"--Relay:Gateways:1={silos[1].Url}", $"--Relay:Latitude={latitude.ToString(CultureInfo.InvariantCulture)}",
                    "--Relay:Longitude=4.9", "--Relay:Limits:MaxReservationsPerIp=1024", "--Logging:LogLevel:Default=Warning",
                ]);
                federation.Relays.Add(relay);
            }
            await Eventually.WaitForAsync(federation.RelaysAsync, relays => relays.Count(r => r.Health == "healthy") == 3, TimeSpan.FromSeconds(60));
            return federation;
        }

        public ChildProcess StartMatch(string prefix) => ChildProcess.StartDotnet("gorelay match", ChildProcess.BuiltDll("Cli", "gorelay"),
        [
            "match", "--gateway", Silos[0].Url, "--gateway", Silos[1].Url, "--engine", $"{OrleansGoRelay.Go.Engines.GtpEngine.GnuGoPath} --mode gtp --level 1 --seed {{game}}",
            "--games", Games.ToString(CultureInfo.InvariantCulture), "--size", "9", "--move-delay", "100", "--prefix", prefix,
            "--report", ReportFile, "--timeout", "280", "--latitude", "52", "--longitude", "4.9", "--verbose",
        ]);

        public async Task<IReadOnlyList<(string RelayId, string Health, int Sessions)>> RelaysAsync()
        {
            var relays = await Http.GetFromJsonAsync<JsonElement>("/api/v1/relays");
            return [.. relays.EnumerateArray().Select(r => (r.GetProperty("relayId").GetString()!, r.GetProperty("health").GetString()!, r.GetProperty("load").GetProperty("sessions").GetInt32()))];
        }

        public async Task<GameView> GameAsync(string gameId) =>
            (await Http.GetFromJsonAsync<GameView>($"/api/v1/games/{gameId}", GatewayClient.Json))!;

        public async Task<int> MovesPlayedAsync(string gameId)
        {
            using var response = await Http.GetAsync($"/api/v1/games/{gameId}");
            return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<GameView>(GatewayClient.Json))!.Moves.Count : 0;
        }

        public async ValueTask DisposeAsync()
        {
            // What the processes logged (warnings and up), so a failure here or in CI can be read afterwards.
            foreach (var (name, text) in Silos.Select(s => (s.Name, s.Output)).Concat(Relays.Select(r => (r.Name, r.Output))))
            {
                _output?.WriteLine($"--- {name}:\n{text}");
            }
            foreach (var relay in Relays)
            {
                await relay.DisposeAsync();
            }
            foreach (var silo in Silos)
            {
                await silo.DisposeAsync();
            }
            Directory.Delete(_directory, recursive: true);
        }
    }
}
