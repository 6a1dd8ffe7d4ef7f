using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using OrleansGoRelay.Cli.Pictures;
using OrleansGoRelay.Cli.Play;
using OrleansGoRelay.Contracts.Wire;
using OrleansGoRelay.Go.Playouts;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// <c>gorelay bench relay</c>: simulated players (random legal moves, no engine) hold WebSocket sessions on relay
/// agents while their games move at a steady pace; reports the sessions held and the move round trip (sent by a
/// player → acknowledged by the cluster through the relay) and the delivery to the opponent, p50/p99, per level.
/// Without <c>--gateway</c> it starts its own silo and relay agents (the built binaries) on a scratch database.
/// </summary>
internal static class RelayBenchmark
{
    public static Command Command()
    {
        var sessions = new Option<int[]>("--sessions") { Description = "Session counts to measure, in turn", DefaultValueFactory = _ => [1000, 10000], AllowMultipleArgumentsPerToken = true };
        var agents = new Option<int>("--agents") { Description = "Relay agents to start (without --gateway)", DefaultValueFactory = _ => 4 };
        var interval = new Option<int>("--move-interval") { Description = "Milliseconds between moves in each game (on average)", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<int>("--seconds") { Description = "Measuring time per level, after a warm-up of one move interval", DefaultValueFactory = _ => 30 };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL for the silo it starts (default: env GORELAY_CONNECTION, else .data/connection-string)" };
        var gateway = new Option<string?>("--gateway") { Description = "Use this running cluster and its registered relays instead of starting one" };
        var png = BenchPictures.PngOption();
        var command = new Command("relay", "Sessions held and move round-trip p50/p99 through relay agents at 1,000 and 10,000 simulated players")
        {
            sessions, agents, interval, seconds, connection, gateway, png,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var levels = parse.GetValue(sessions)!;
            if (levels.Length == 0 || levels.Any(n => n < 2 || n % 2 != 0))
            {
                Console.Error.WriteLine("--sessions are even numbers of at least 2 (two players per game).");
                return 2;
            }
            await using var cluster = parse.GetValue(gateway) is { } url
                ? BenchCluster.Existing(url)
                : await BenchCluster.StartAsync(BenchDatabase.ResolveConnectionString(parse.GetValue(connection)), parse.GetValue(agents), levels.Max(), cancellationToken);
            using var client = new GatewayClient([cluster.Gateway]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gorelay bench relay: {Environment.ProcessorCount} cores; {cluster.Description}; a move every {parse.GetValue(interval)} ms per game; {parse.GetValue(seconds)} s measured per level"));
            var run = Guid.NewGuid().ToString("N")[..6];
            var rows = new List<LatencyRow>();
            foreach (var level in levels)
            {
                var (report, latencies) = await RunLevelAsync(client, $"{run}-{level}", level, TimeSpan.FromMilliseconds(parse.GetValue(interval)), TimeSpan.FromSeconds(parse.GetValue(seconds)), cancellationToken);
                Console.WriteLine(report);
                rows.AddRange(latencies);
            }
            if (parse.GetValue(png) is { } path)
            {
                BenchPictures.WriteLatency(path, $"bench relay: move latency through relay agents ({cluster.Description})", rows);
            }
            return 0;
        });
        return command;
    }

    private static async Task<(string Report, IReadOnlyList<LatencyRow> Latencies)> RunLevelAsync(GatewayClient client, string prefix, int sessions, TimeSpan interval, TimeSpan measured, CancellationToken cancellationToken)
    {
        var games = Enumerable.Range(0, sessions / 2).Select(i => new SimulatedGame($"b{prefix}-{i}")).ToList();
        var setup = Stopwatch.StartNew();
        await Parallel.ForEachAsync(games, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (game, ct) =>
        {
            var created = await client.PostAsync("api/v1/games", new { gameId = game.GameId, black = game.GameId + "-b", white = game.GameId + "-w", size = 19, rated = false }, ct).ConfigureAwait(false);
            if (!created.IsSuccess)
            {
                throw new InvalidOperationException($"Creating {game.GameId}: {(int)created.Status} {created.Body}");
            }
        }).ConfigureAwait(false);
        var seats = games.SelectMany(g => new[] { g.Black, g.White }).ToList();
        await Parallel.ForEachAsync(seats, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (seat, ct) =>
        {
            // Players near the relays' sites, so routing spreads them as it would spread real players.
            var site = BenchCluster.Sites[Random.Shared.Next(BenchCluster.Sites.Length)];
            var route = await client.PostAsync("api/v1/route", new { playerId = seat.Player, latitude = site.Latitude + Random.Shared.NextDouble() * 10 - 5, longitude = site.Longitude + Random.Shared.NextDouble() * 10 - 5, gameType = "standard" }, ct).ConfigureAwait(false);
            if (route.IsSuccess)
            {
                await seat.ConnectAsync((string)route.Body!["address"]!, (string)route.Body["relayId"]!, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        var held = seats.Count(s => s.Welcomed);
        var connectSeconds = setup.Elapsed.TotalSeconds;

        var samples = new Samples();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var measureFrom = Stopwatch.GetTimestamp() + (long)(interval.TotalSeconds * Stopwatch.Frequency);
        var drivers = games.Where(g => g.Black.Welcomed && g.White.Welcomed).Select(g => g.DriveAsync(interval, samples, measureFrom, stop.Token)).ToList();
        await Task.Delay(interval + measured, cancellationToken).ConfigureAwait(false);
        var heldAtEnd = seats.Count(s => s.Open);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(drivers).ConfigureAwait(false);
        var perRelay = seats.Where(s => s.Open).GroupBy(s => s.RelayId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}").ToList();
        await Parallel.ForEachAsync(seats, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (seat, _) => await seat.CloseAsync().ConfigureAwait(false)).ConfigureAwait(false);

        var acks = samples.Acks.Order().ToList();
        var deliveries = samples.Deliveries.Order().ToList();
        IReadOnlyList<LatencyRow> latencies =
        [
            new($"{sessions:N0} sessions: round trip", Quantiles.Of(acks, 0.5), Quantiles.Of(acks, 0.99)),
            new($"{sessions:N0} sessions: to the opponent", Quantiles.Of(deliveries, 0.5), Quantiles.Of(deliveries, 0.99)),
        ];
        var report = string.Create(CultureInfo.InvariantCulture,
            $"""
              {sessions:N0} sessions ({games.Count:N0} games): held {held:N0} after connecting ({connectSeconds:0.0} s to create and connect), {heldAtEnd:N0} at the end; per relay: {string.Join(", ", perRelay)}
                moves measured {acks.Count:N0} ({acks.Count / measured.TotalSeconds:N0}/s), errors {samples.Errors}, unanswered {samples.Unanswered}
                move round trip (player → relay → cluster → ack): p50 {Quantiles.Of(acks, 0.5):0.0} ms, p99 {Quantiles.Of(acks, 0.99):0.0} ms, max {(acks.Count > 0 ? acks[^1] : double.NaN):0.0} ms
                delivery to the opponent (sent → event on the other seat): p50 {Quantiles.Of(deliveries, 0.5):0.0} ms, p99 {Quantiles.Of(deliveries, 0.99):0.0} ms
            """);
        return (report, latencies);
    }

    /// <summary>Latencies in milliseconds, from any thread.</summary>
    private sealed class Samples
    {
        public ConcurrentBag<double> Acks { get; } = [];

        public ConcurrentBag<double> Deliveries { get; } = [];

        public int Errors;

        public int Unanswered;
    }

    /// <summary>A game between two simulated players: its own board, random legal moves at the set pace.</summary>
    private sealed class SimulatedGame(string gameId)
    {
        private readonly Board _board = new(19);

        public string GameId => gameId;

        public SimulatedSeat Black { get; } = new(gameId, gameId + "-b");

        public SimulatedSeat White { get; } = new(gameId, gameId + "-w");

        public async Task DriveAsync(TimeSpan interval, Samples samples, long measureFrom, CancellationToken cancellationToken)
        {
            var color = Color.Black;
            try
            {
                // Start at a random point in the first interval so the games' moves spread evenly over time.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * interval.TotalMilliseconds), cancellationToken).ConfigureAwait(false);
                for (var number = 1; ; number++)
                {
                    var index = LightPlayout.PlayRandom(_board, color, (uint)Random.Shared.Next());
                    var vertex = index < 0 ? "pass" : _board.PointOf(index).ToGtp(19);
                    var (mover, opponent) = color == Color.Black ? (Black, White) : (White, Black);
                    var delivered = opponent.ExpectEvent(number);
                    var sent = Stopwatch.GetTimestamp();
                    var ack = await mover.MoveAsync(number, vertex, cancellationToken).ConfigureAwait(false);
                    var acked = Stopwatch.GetTimestamp();
                    if (ack is null)
                    {
                        Interlocked.Increment(ref samples.Errors);
                        return;
                    }
                    var seen = await delivered.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                    if (sent >= measureFrom)
                    {
                        samples.Acks.Add(Stopwatch.GetElapsedTime(sent, acked).TotalMilliseconds);
                        samples.Deliveries.Add(Stopwatch.GetElapsedTime(sent, seen).TotalMilliseconds);
                    }
                    if (index < 0)
                    {
                        _board.Pass();
                    }
                    color = color.Opponent();
                    var pause = interval.TotalMilliseconds * (0.5 + Random.Shared.NextDouble()) - Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, pause)), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The level's time is up.
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref samples.Unanswered);
            }
        }
    }

    /// <summary>One simulated player's session on a relay.</summary>
    private sealed class SimulatedSeat(string gameId, string player) : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly TaskCompletionSource _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketConnection<RelayMessage, PlayerMessage>? _connection;
        private TaskCompletionSource<string?>? _ack;
        private (int Number, TaskCompletionSource<long> Seen)? _expected;
        private Task? _receiving;

        public string Player => player;

        public string RelayId { get; private set; } = "";

        public bool Welcomed => _welcome.Task.IsCompletedSuccessfully;

        public bool Open => _socket.State == WebSocketState.Open && _receiving is { IsCompleted: false };

        public async Task ConnectAsync(string address, string relayId, CancellationToken cancellationToken)
        {
            RelayId = relayId;
            try
            {
                await _socket.ConnectAsync(new Uri($"{address.TrimEnd('/')}/play?gameId={gameId}&player={player}"), cancellationToken).ConfigureAwait(false);
                _connection = new WebSocketConnection<RelayMessage, PlayerMessage>(_socket);
                _receiving = ReceiveAsync(_connection);
                await _welcome.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException)
            {
                // Not held: counted by the caller.
            }
        }

        /// <summary>Sends a move and waits for the cluster's answer: the ack's move, or null for an error.</summary>
        public async Task<string?> MoveAsync(int number, string vertex, CancellationToken cancellationToken)
        {
            var ack = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ack = ack;
            await _connection!.SendAsync(new MoveMessage(number, vertex), cancellationToken).ConfigureAwait(false);
            return await ack.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>A task finished with the time the opponent's move <paramref name="number"/> arrives here.</summary>
        public Task<long> ExpectEvent(int number)
        {
            var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _expected = (number, seen);
            return seen.Task;
        }

        private async Task ReceiveAsync(WebSocketConnection<RelayMessage, PlayerMessage> connection)
        {
            try
            {
                await foreach (var message in connection.ReceiveAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    var at = Stopwatch.GetTimestamp();
                    switch (message)
                    {
                        case WelcomeMessage:
                            _welcome.TrySetResult();
                            break;
                        case AckMessage ack:
                            _ack?.TrySetResult(ack.Move?.Move.Move);
                            break;
                        case ErrorMessage:
                            _ack?.TrySetResult(null);
                            break;
                        case EventMessage { Event.Move: { } move } when _expected is { } expected && move.Number == expected.Number:
                            expected.Seen.TrySetResult(at);
                            break;
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or JsonException or IOException)
            {
                _welcome.TrySetException(e);
            }
        }

        /// <summary>Closes the session (the relay answers the close, and the reader ends) and releases the socket.</summary>
        public async Task CloseAsync()
        {
            if (_connection is { } connection)
            {
                await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "bench done").ConfigureAwait(false);
                try
                {
                    await (_receiving ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The relay never answered the close; disposing aborts the socket.
                }
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            _socket.Dispose();
        }

        public ValueTask DisposeAsync() => new(CloseAsync());
    }
}
