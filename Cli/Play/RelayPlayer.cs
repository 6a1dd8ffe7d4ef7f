using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Wire;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Relays;
using Connection = OrleansGoRelay.Contracts.Wire.WebSocketConnection<OrleansGoRelay.Contracts.Wire.RelayMessage, OrleansGoRelay.Contracts.Wire.PlayerMessage>;

namespace OrleansGoRelay.Cli.Play;

/// <summary>How a seat connects and plays.</summary>
/// <param name="Latitude">Where the player is, for routing.</param>
/// <param name="Longitude">Where the player is, for routing.</param>
/// <param name="GameType"><c>standard</c>, <c>teaching</c> or <c>dogfight</c>.</param>
/// <param name="MoveDelay">Thinking time added before each move is sent (a slower, more human game).</param>
/// <param name="SyncInterval">With nothing heard for this long, the player asks the relay for the whole game.</param>
/// <param name="RerouteAfter">A relay still not replaced after this long is given up and the player routes afresh.</param>
public sealed record SeatSettings(
    double Latitude = 0, double Longitude = 0, GameClass GameType = GameClass.Standard, TimeSpan MoveDelay = default,
    TimeSpan? SyncInterval = null, TimeSpan? RerouteAfter = null);

/// <summary>A move the seat's engine chose.</summary>
/// <param name="Number">Its move number.</param>
/// <param name="Move">The vertex, <c>pass</c> or <c>resign</c>.</param>
public sealed record ChosenMove(int Number, string Move);

/// <summary>A session moved from one relay to another.</summary>
/// <param name="FromRelay">The relay the session was on.</param>
/// <param name="ToRelay">The relay it resumed on.</param>
/// <param name="LostAt">When the player noticed the old session was gone.</param>
/// <param name="ResumedAt">When the new relay welcomed it.</param>
public sealed record Reconnection(string FromRelay, string ToRelay, DateTimeOffset LostAt, DateTimeOffset ResumedAt);

/// <summary>What one seat did in a game.</summary>
/// <param name="GameId">The game.</param>
/// <param name="Player">The player.</param>
/// <param name="Color">B or W.</param>
/// <param name="Chosen">The moves this seat's engine chose, in order.</param>
/// <param name="Claim">The result this seat signed.</param>
/// <param name="State">The game's state at the end.</param>
/// <param name="Result">The agreed result, if any.</param>
/// <param name="Reconnections">Relay changes during the game.</param>
public sealed record SeatReport(
    string GameId, string Player, string Color, IReadOnlyList<ChosenMove> Chosen, string? Claim, GameState State, string? Result,
    IReadOnlyList<Reconnection> Reconnections);

/// <summary>
/// One player's seat in a game played through relays: it asks the gateway for a relay, opens a session there, keeps
/// its move source's board in step with the game the cluster holds, sends the source's moves, and signs the
/// result. The cluster's game is the truth: after any gap (a dead relay, a lost event, a restarted silo) the seat asks
/// for the whole game and carries on from it, resending a move the cluster has not yet accepted, which is safe
/// because moves are idempotent by number.
/// </summary>
public sealed class RelayPlayer(GatewayClient gateway, string gameId, string player, IMoveSource source, SeatSettings settings, TextWriter? log = null)
{
    private readonly List<string> _board = [];
    private readonly List<ChosenMove> _chosen = [];
    private readonly List<Reconnection> _reconnections = [];
    private ChosenMove? _pending;
    private string? _claim;
    private string _color = "";
    private GameView? _last;
    private (string From, DateTimeOffset LostAt)? _pendingReconnection;

    private TimeSpan SyncInterval => settings.SyncInterval ?? TimeSpan.FromSeconds(2);

    /// <summary>Plays the game to its end (consensus or dispute) and reports it.</summary>
    public async Task<SeatReport> PlayAsync(CancellationToken cancellationToken)
    {
        var game = await LoadGameAsync(cancellationToken).ConfigureAwait(false);
        _color = game.Spec.Black == player ? "B" : game.Spec.White == player ? "W"
            : throw new CommandFailedException($"{player} does not play in game {gameId}.");
        await source.NewGameAsync(game.Spec.Size, Komi(game.Spec), game.Spec.Handicap, cancellationToken).ConfigureAwait(false);
        var (relayId, address) = await RouteAsync(null, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var outcome = await RunSessionAsync(relayId, address, cancellationToken).ConfigureAwait(false);
            if (outcome.Finished)
            {
                break;
            }
            var lostAt = DateTimeOffset.UtcNow;
            var next = outcome.MovedTo ?? await FindNewRelayAsync(relayId, cancellationToken).ConfigureAwait(false);
            if (next is null)
            {
                break;
            }
            Log($"session on {relayId} {(outcome.MovedTo is null ? "lost" : "moved")}; reconnecting to {next.Value.RelayId}");
            // A reconnection counts from the first loss: a relay that could not be reached on the way adds to it.
            _pendingReconnection ??= (relayId, lostAt);
            (relayId, address) = next.Value;
        }
        var final = _last ?? await LoadGameAsync(cancellationToken).ConfigureAwait(false);
        return new SeatReport(gameId, player, _color, _chosen, _claim, final.State, final.Result, _reconnections);
    }

    // The cluster writes the rule set's komi into the game when it is created without one.
    private static double Komi(GameSpec spec) => spec.Komi ?? Go.Rules.RuleSet.FromName(spec.Rules)?.DefaultKomi ?? 7.5;

    private async Task<GameView> LoadGameAsync(CancellationToken cancellationToken)
    {
        var answer = await gateway.GetAsync($"api/v1/games/{Uri.EscapeDataString(gameId)}", cancellationToken).ConfigureAwait(false);
        return answer.IsSuccess
            ? answer.Body.Deserialize<GameView>(GatewayClient.Json)!
            : throw new CommandFailedException($"Game {gameId}: {(int)answer.Status} {answer.Body?["detail"]}");
    }

    private async Task<(string RelayId, string Address)> RouteAsync(string? avoid, CancellationToken cancellationToken)
    {
        while (true)
        {
            var answer = await gateway.PostAsync("api/v1/route", new RouteRequest(player, settings.Latitude, settings.Longitude, settings.GameType), cancellationToken).ConfigureAwait(false);
            if (answer.IsSuccess)
            {
                var decision = answer.Body.Deserialize<RouteDecision>(GatewayClient.Json)!;
                if (decision.RelayId != avoid)
                {
                    return (decision.RelayId, decision.Address);
                }
            }
            else if (answer.Code == GatewayClient.NoRelayAvailable)
            {
                Log("no relay has room yet; asking again");
            }
            else
            {
                throw new CommandFailedException($"Routing refused: {(int)answer.Status} {answer.Body?["detail"]}");
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a session was lost: waits for the cluster to move this seat (the failover coordinator records the new
    /// relay in the game); a relay that is still healthy is simply reconnected (the connection, not the relay, failed);
    /// one that is neither replaced nor healthy in time is given up and the player routes afresh.
    /// </summary>
    private async Task<(string RelayId, string Address)?> FindNewRelayAsync(string lostRelay, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        while (true)
        {
            var game = await LoadGameAsync(cancellationToken).ConfigureAwait(false);
            _last = game;
            if (game.State is GameState.Agreed or GameState.Disputed)
            {
                return null;
            }
            var assignment = _color == "B" ? game.BlackRelay : game.WhiteRelay;
            if (assignment is not null && assignment.RelayId != lostRelay)
            {
                var moved = await RelayAddressAsync(assignment.RelayId, cancellationToken).ConfigureAwait(false);
                if (moved is not null)
                {
                    return (assignment.RelayId, moved);
                }
            }
            var elapsed = DateTimeOffset.UtcNow - started;
            if (elapsed > (settings.RerouteAfter ?? TimeSpan.FromSeconds(15)))
            {
                return await RouteAsync(lostRelay, cancellationToken).ConfigureAwait(false);
            }
            if (elapsed > TimeSpan.FromSeconds(1) && await RelayIsHealthyAsync(lostRelay, cancellationToken).ConfigureAwait(false) is { } address)
            {
                return (lostRelay, address);
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> RelayAddressAsync(string relayId, CancellationToken cancellationToken) =>
        (await RelayAsync(relayId, cancellationToken).ConfigureAwait(false))?.Address;

    private async Task<string?> RelayIsHealthyAsync(string relayId, CancellationToken cancellationToken) =>
        await RelayAsync(relayId, cancellationToken).ConfigureAwait(false) is { Health: "healthy" } relay ? relay.Address : null;

    private async Task<(string Address, string Health)?> RelayAsync(string relayId, CancellationToken cancellationToken)
    {
        var answer = await gateway.GetAsync($"api/v1/relays/{Uri.EscapeDataString(relayId)}", cancellationToken).ConfigureAwait(false);
        return answer.IsSuccess && answer.Body?["address"] is { } address ? ((string)address!, (string?)answer.Body["health"] ?? "") : null;
    }

    private sealed record SessionOutcome(bool Finished, (string RelayId, string Address)? MovedTo = null);

    private async Task<SessionOutcome> RunSessionAsync(string relayId, string address, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            var url = $"{address.TrimEnd('/')}/play?gameId={Uri.EscapeDataString(gameId)}&player={Uri.EscapeDataString(player)}";
            await socket.ConnectAsync(new Uri(url), connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log($"could not connect to {relayId} at {address}: {e.Message}");
            return new SessionOutcome(false);
        }
        // Only the seat's one message loop sends, and the connection's one writer keeps sends from interleaving anyway.
        var connection = new Connection(socket);
        var inbox = Channel.CreateUnbounded<RelayMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = ReceiveAsync(connection, inbox.Writer, session.Token);
        try
        {
            while (true)
            {
                RelayMessage? message;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
                {
                    idle.CancelAfter(SyncInterval);
                    try
                    {
                        message = await inbox.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false) && inbox.Reader.TryRead(out var m) ? m : null;
                        if (message is null)
                        {
                            return new SessionOutcome(false);
                        }
                    }
                    catch (OperationCanceledException) when (!session.IsCancellationRequested)
                    {
                        // Nothing heard for a while: an event may have been lost (a gateway went away); ask for the game.
                        await connection.SendAsync(new SyncMessage(), session.Token).ConfigureAwait(false);
                        continue;
                    }
                }
                var step = await HandleAsync(relayId, connection, message, session.Token).ConfigureAwait(false);
                if (step is not null)
                {
                    return step;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return new SessionOutcome(false);
        }
        finally
        {
            // The close frame first (the relay answers it and the reader ends), then the reader is stopped regardless.
            await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "done").ConfigureAwait(false);
            await session.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<SessionOutcome?> HandleAsync(string relayId, Connection connection, RelayMessage message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case WelcomeMessage welcome:
                if (_pendingReconnection is { } lost)
                {
                    _reconnections.Add(new Reconnection(lost.From, relayId, lost.LostAt, DateTimeOffset.UtcNow));
                    _pendingReconnection = null;
                }
                return welcome.Game is { } resumed ? await ReconcileAsync(connection, resumed, cancellationToken).ConfigureAwait(false) : await SyncAsync(connection, cancellationToken).ConfigureAwait(false);
            case GameMessage { Game: { } game }:
                return await ReconcileAsync(connection, game, cancellationToken).ConfigureAwait(false);
            case AckMessage { Move: { } accepted }:
                if (_pending?.Number == accepted.Move.Number)
                {
                    _pending = null;
                }
                return accepted.State == GameState.Playing ? null : await SyncAsync(connection, cancellationToken).ConfigureAwait(false);
            case EventMessage { Event: { } gameEvent }:
                if (gameEvent.Type == "relay" && gameEvent.Player == player && gameEvent.Relay is { } moved && moved.RelayId != relayId && gameEvent.Address is { } address)
                {
                    return new SessionOutcome(false, (moved.RelayId, address));
                }
                if (gameEvent.Type == "move" && gameEvent.Move is { } move && move.Number == _board.Count + 1 && move.Color != _color && gameEvent.State == GameState.Playing)
                {
                    await ApplyAsync(move, cancellationToken).ConfigureAwait(false);
                    return await MoveIfMyTurnAsync(connection, move.Color == "B" ? "W" : "B", cancellationToken).ConfigureAwait(false);
                }
                // Anything else (the end of play, a result, a move out of step): the whole game says what to do.
                return gameEvent.Type == "move" && gameEvent.Move?.Number <= _board.Count ? null : await SyncAsync(connection, cancellationToken).ConfigureAwait(false);
            case ErrorMessage error:
                return await OnErrorAsync(connection, error, cancellationToken).ConfigureAwait(false);
            default:
                // A message this player does not know (a newer relay's), or one without its content.
                return null;
        }
    }

    private static async Task<SessionOutcome?> SyncAsync(Connection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(new SyncMessage(), cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<SessionOutcome?> OnErrorAsync(Connection connection, ErrorMessage error, CancellationToken cancellationToken)
    {
        var (status, code) = (error.Status, error.Code);
        Log($"relay answered {status} {code}: {error.Detail}");
        if (status == 422 && _pending is { } refused && code == "illegal_move")
        {
            // The engine's rules let it play what the game's rules forbid (a superko repetition): take it back and pass.
            await source.UndoAsync(cancellationToken).ConfigureAwait(false);
            _board.RemoveAt(_board.Count - 1);
            _chosen.RemoveAt(_chosen.Count - 1);
            _pending = null;
            await SendMoveAsync(connection, refused.Number, "pass", cancellationToken).ConfigureAwait(false);
            return null;
        }
        if (status is 400 or 403 or 404)
        {
            throw new CommandFailedException($"The relay refused the session: {status} {code}: {error.Detail}");
        }
        // 409 (out of step), 503 (the cluster is busy moving a game): catch up from the whole game.
        await Task.Delay(status == 503 ? 500 : 0, cancellationToken).ConfigureAwait(false);
        return await SyncAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings the source's board in step with the cluster's game, then moves, claims or finishes as the game asks.</summary>
    private async Task<SessionOutcome?> ReconcileAsync(Connection connection, GameView game, CancellationToken cancellationToken)
    {
        _last = game;
        var known = Math.Min(_board.Count, game.Moves.Count);
        for (var i = 0; i < known; i++)
        {
            if (!string.Equals(_board[i], game.Moves[i].Move, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"Game {gameId} move {i + 1} is {game.Moves[i].Move} in the cluster but {_board[i]} here.");
            }
        }
        for (var i = known; i < game.Moves.Count; i++)
        {
            await ApplyAsync(game.Moves[i], cancellationToken).ConfigureAwait(false);
        }
        if (_pending is { } pending)
        {
            if (game.Moves.Count >= pending.Number)
            {
                _pending = null;
            }
            else if (game.State == GameState.Playing)
            {
                // Chosen and sent, but the cluster never got it (the relay died under it): send it again.
                await connection.SendAsync(MoveMessage(pending.Number, pending.Move), cancellationToken).ConfigureAwait(false);
                return null;
            }
        }
        switch (game.State)
        {
            case GameState.Playing:
                return await MoveIfMyTurnAsync(connection, game.ToMove, cancellationToken).ConfigureAwait(false);
            case GameState.Counting when !game.Claims.Any(c => c.Player == player):
                _claim = game.EndedBy == "resignation" && game.Result is { } resigned ? resigned : await source.FinalScoreAsync(cancellationToken).ConfigureAwait(false);
                await connection.SendAsync(new ResultMessage(_claim), cancellationToken).ConfigureAwait(false);
                return null;
            case GameState.Counting:
                _claim ??= game.Claims.First(c => c.Player == player).Result;
                return null;
            default:
                return new SessionOutcome(true);
        }
    }

    private async Task ApplyAsync(PlayedMove move, CancellationToken cancellationToken)
    {
        if (move.Move != "resign")
        {
            await source.PlayAsync(move.Color, move.Move, cancellationToken).ConfigureAwait(false);
        }
        _board.Add(move.Move);
    }

    private async Task<SessionOutcome?> MoveIfMyTurnAsync(Connection connection, string toMove, CancellationToken cancellationToken)
    {
        if (toMove != _color || _pending is not null)
        {
            return null;
        }
        var move = await source.GenerateMoveAsync(_color, cancellationToken).ConfigureAwait(false);
        if (settings.MoveDelay > TimeSpan.Zero)
        {
            await Task.Delay(settings.MoveDelay, cancellationToken).ConfigureAwait(false);
        }
        _board.Add(move);
        await SendMoveAsync(connection, _board.Count, move, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task SendMoveAsync(Connection connection, int number, string move, CancellationToken cancellationToken)
    {
        if (_board.Count < number)
        {
            await source.PlayAsync(_color, move, cancellationToken).ConfigureAwait(false);
            _board.Add(move);
        }
        var chosen = new ChosenMove(number, move);
        _chosen.Add(chosen);
        _pending = chosen;
        await connection.SendAsync(MoveMessage(number, move), cancellationToken).ConfigureAwait(false);
    }

    private static MoveMessage MoveMessage(int number, string move) => new(number, move);

    private static async Task ReceiveAsync(Connection connection, ChannelWriter<RelayMessage> inbox, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in connection.ReceiveAsync(cancellationToken).ConfigureAwait(false))
            {
                await inbox.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException or IOException)
        {
            // The relay went away (or sent garbage): the session ends and the player looks for the next relay.
        }
        finally
        {
            inbox.TryComplete();
        }
    }

    private void Log(string line) => log?.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {gameId} {player}: {line}");
}
