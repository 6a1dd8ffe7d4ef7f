using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Ratings;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Players;
using OrleansGoRelay.Grains.Relays;
using GoGame = OrleansGoRelay.Go.Rules.Game;

namespace OrleansGoRelay.Grains.Games;

/// <summary>
/// One game's authoritative record. The board lives in memory, rebuilt from the stored moves at activation; every
/// accepted move is written (compare-and-swap on the state version) before it is acknowledged, so a silo that
/// crashes after answering has already made the move durable, and a competing write from another silo's
/// activation makes this call re-run on fresh state instead of forking the game.
/// </summary>
[GrainType("game")]
public sealed partial class GameGrain(
    [PersistentState("game")] IPersistentState<GameRecordState> record,
    GameEventSinks sinks,
    IClusterEventLog events,
    TimeProvider clock,
    ILogger<GameGrain> logger) : Grain, IGameGrain, IReloadableGrain
{
    /// <summary>How a resignation is recorded among the moves.</summary>
    private const string Resign = "resign";

    private GoGame? _board;

    private GameRecordState State => record.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _board = State.Spec is null ? null : Replay(State);
        if (State is { State: GameState.Agreed, Rated: false, Spec.Rated: true })
        {
            // A silo died between consensus and the rating updates: finish them now, outside any caller's request
            // (reads never write), once; each rating applies a game once, so finishing twice counts nothing twice.
            this.RegisterGrainTimer(async _ =>
            {
                try
                {
                    await CompleteRatingAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRatingFailed(logger, e, this.GetPrimaryKeyString());
                }
            }, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
        return Task.CompletedTask;
    }

    public async Task ReloadStateAsync()
    {
        await record.ReadStateAsync();
        _board = State.Spec is null ? null : Replay(State);
    }

    public async Task<GameView> Create(GameSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var normalised = Normalise(spec);
        if (State.Spec is { } existing)
        {
            if (existing != normalised)
            {
                throw RequestRefusedException.Conflict("game_exists", $"Game '{this.GetPrimaryKeyString()}' exists with different settings.");
            }
            // A retried creation: the first may have died between the game's write and the players' index or the
            // log's append; both are idempotent (the index is a set, the event has a dedupe key).
            await IndexForPlayersAsync(existing);
            await ReportStartedAsync(existing);
            return View();
        }
        var created = new GameRecordState { Spec = normalised, State = GameState.Playing, CreatedAt = clock.GetUtcNow() };
        var board = Replay(created);
        await WriteAsync(created);
        _board = board;
        await IndexForPlayersAsync(normalised);
        await ReportStartedAsync(normalised);
        return View();
    }

    // Each player's list of games (the style profile's source); adding is idempotent.
    private Task IndexForPlayersAsync(GameSpec spec) => Task.WhenAll(
        GrainFactory.GetGrain<IPlayerGamesGrain>(spec.Black).Add(this.GetPrimaryKeyString()),
        GrainFactory.GetGrain<IPlayerGamesGrain>(spec.White).Add(this.GetPrimaryKeyString()));

    public Task<GameView?> GetGame() => Task.FromResult(State.Spec is null ? null : View());

    public async Task<MoveAccepted> Play(MoveSubmission move)
    {
        ArgumentNullException.ThrowIfNull(move);
        if (string.IsNullOrWhiteSpace(move.Player) || move.MoveNumber < 1 || string.IsNullOrWhiteSpace(move.Move))
        {
            // Malformed before it is anything else: {} is not a stranger's move but no move at all.
            throw RequestRefusedException.BadRequest("invalid_move", "A move names the player, a moveNumber from 1 and the move (a GTP vertex, pass or resign).");
        }
        var (spec, board) = RequireGame();
        var color = ColorOf(spec, move.Player);
        var played = State.Moves.Count;
        if (move.MoveNumber == played && played > 0 && IsRepeat(State.Moves[^1], color, move.Move, spec.Size))
        {
            return new MoveAccepted(this.GetPrimaryKeyString(), State.Moves[^1], State.State, State.Result, Repeated: true);
        }
        if (move.MoveNumber != played + 1)
        {
            throw RequestRefusedException.Conflict("move_out_of_order", $"The next move is number {played + 1}, not {move.MoveNumber}.");
        }
        if (State.State != GameState.Playing)
        {
            throw RequestRefusedException.Conflict("game_over", "Play has ended.");
        }
        if (color != board.ToMove)
        {
            throw RequestRefusedException.Conflict("not_your_turn", $"It is {(board.ToMove == Color.Black ? "Black" : "White")}'s turn.");
        }

        var text = (move.Move ?? "").Trim();
        var now = clock.GetUtcNow();
        var isResign = text.Equals(Resign, StringComparison.OrdinalIgnoreCase);
        var next = State;
        PlayedMove accepted;
        if (isResign)
        {
            accepted = new PlayedMove(played + 1, Letter(color), Resign, now);
            next = next with
            {
                Moves = [.. State.Moves, accepted],
                State = GameState.Counting,
                EndedBy = "resignation",
                Result = GameResult.ByResignation(color.Opponent()).ToString(),
                EndedAt = now,
            };
            await CommitAsync(next, replayOnFailure: false);
            _board!.Resign(color);
        }
        else
        {
            var point = ParseVertex(text, spec.Size);
            var legality = board.Play(new Move(color, point));
            if (legality != MoveLegality.Legal)
            {
                throw RequestRefusedException.Unprocessable("illegal_move", $"{point.ToGtp(spec.Size)} is illegal: {Describe(legality)}.");
            }
            accepted = new PlayedMove(played + 1, Letter(color), point.ToGtp(spec.Size), now);
            next = next with { Moves = [.. State.Moves, accepted] };
            if (board.PlayEnded)
            {
                next = next with { State = GameState.Counting, EndedBy = "passes", EndedAt = now };
            }
            // The board already holds the move: if the write fails it is rebuilt from what is stored.
            await CommitAsync(next, replayOnFailure: true);
        }

        GameMetrics.Moves.Add(1);
        await PublishAsync(new GameEvent("move", this.GetPrimaryKeyString(), next.State, accepted, next.Result));
        return new MoveAccepted(this.GetPrimaryKeyString(), accepted, next.State, next.Result, Repeated: false);
    }

    public async Task<GameView> SubmitResult(ResultClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (string.IsNullOrWhiteSpace(claim.Player) || string.IsNullOrWhiteSpace(claim.Result))
        {
            throw RequestRefusedException.BadRequest("invalid_result", "A result names the player and the result (B+3.5, W+R, 0).");
        }
        var (spec, _) = RequireGame();
        ColorOf(spec, claim.Player);
        if (State.State == GameState.Playing)
        {
            throw RequestRefusedException.Conflict("game_not_ended", "Results are submitted after two passes or a resignation.");
        }
        var parsed = GameResult.Parse(claim.Result);
        if (parsed.Kind is ResultKind.Unknown)
        {
            throw RequestRefusedException.BadRequest("malformed_result", $"'{claim.Result}' is not a result such as B+3.5, W+R or 0.");
        }
        var result = parsed.ToString();
        if (State.Claims.FirstOrDefault(c => c.Player == claim.Player) is { } earlier)
        {
            if (earlier.Result != result)
            {
                throw RequestRefusedException.Conflict("result_already_submitted", $"{claim.Player} already submitted {earlier.Result}.");
            }
            await CompleteRatingAsync();
            return View();
        }

        var next = State with { Claims = [.. State.Claims, claim with { Result = result }] };
        if (next.Claims.Count == 2)
        {
            // Consensus: both players say the same, and it does not contradict a resignation the cluster saw.
            var agreed = next.Claims[0].Result == next.Claims[1].Result && (State.EndedBy != "resignation" || State.Result == result);
            next = agreed
                ? next with { State = GameState.Agreed, Result = result, RatingsBefore = spec.Rated ? await RatingsNowAsync(spec) : null }
                : next with { State = GameState.Disputed };
        }
        await CommitAsync(next, replayOnFailure: false);
        if (next.State is GameState.Agreed or GameState.Disputed)
        {
            (next.State == GameState.Agreed ? GameMetrics.Agreed : GameMetrics.Disputed).Add(1);
            // The relays that carried the game forget its sessions (their index is theirs to write).
            foreach (var relayId in new[] { next.BlackRelay?.RelayId, next.WhiteRelay?.RelayId }.OfType<string>().Distinct())
            {
                _ = GrainFactory.GetGrain<IRelayNodeGrain>(relayId).ForgetGame(this.GetPrimaryKeyString());
            }
            await PublishAsync(new GameEvent("result", this.GetPrimaryKeyString(), next.State, Result: next.Result));
            await ReportAsync(ClusterEventType.GameEnded, new GameEnded(this.GetPrimaryKeyString(), ApiJson.NameOf(spec.Type), ApiJson.NameOf(next.State),
                next.Result, next.Moves.Count));
        }
        await CompleteRatingAsync();
        return View();
    }

    public async Task<RelayAssignment> AssignRelay(string player, string relayId)
    {
        var (spec, _) = RequireGame();
        var color = ColorOf(spec, player);
        var current = color == Color.Black ? State.BlackRelay : State.WhiteRelay;
        if (current?.RelayId == relayId)
        {
            return current;
        }
        var assignment = new RelayAssignment(relayId, (current?.Epoch ?? 0) + 1, "connected", clock.GetUtcNow());
        await SetAssignmentAsync(color, assignment);
        return assignment;
    }

    public async Task<IReadOnlyList<string>> Failover(string deadRelayId, string newRelayId, string? newRelayAddress)
    {
        var (spec, _) = RequireGame();
        if (State.State is GameState.Agreed or GameState.Disputed)
        {
            return [];
        }
        var moved = new List<string>();
        var address = newRelayAddress;
        foreach (var (player, color, current) in new[] { (spec.Black, Color.Black, State.BlackRelay), (spec.White, Color.White, State.WhiteRelay) })
        {
            if (current?.RelayId != deadRelayId)
            {
                continue;
            }
            var assignment = new RelayAssignment(newRelayId, current.Epoch + 1, "failover", clock.GetUtcNow());
            await SetAssignmentAsync(color, assignment);
            await PublishAsync(new GameEvent("relay", this.GetPrimaryKeyString(), State.State, Player: player, Relay: assignment, Address: address));
            moved.Add(player);
        }
        return moved;
    }

    public Task<string> ExportSgf()
    {
        RequireGame();
        return Task.FromResult(SgfWriter.Write(ToSgf(State)));
    }

    public Task<ConsensusGame> GetConsensusGame()
    {
        var (spec, _) = RequireGame();
        if (State.State != GameState.Agreed)
        {
            throw RequestRefusedException.Unprocessable("no_consensus", $"Game '{this.GetPrimaryKeyString()}' has no consensus result.");
        }
        var sgf = SgfWriter.Write(ToSgf(State));
        var evaluator = new InfluenceEvaluator();
        var analysis = new GameAnalyzer(evaluator).Analyze(ToRecord(spec, State));
        return Task.FromResult(new ConsensusGame(
            this.GetPrimaryKeyString(), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sgf))), spec.Black, spec.White,
            State.BlackRelay?.RelayId, State.WhiteRelay?.RelayId, State.Result!, State.Moves.Count, analysis.Features,
            analysis.Class, State.EndedAt ?? State.CreatedAt, GameClarity.ClarityBp(analysis, evaluator.Thresholds), sgf));
    }

    private async Task SetAssignmentAsync(Color color, RelayAssignment assignment)
    {
        // The relay node indexed this session before asking (see IRelayNodeGrain.OpenSession), so a failover finds it.
        var next = color == Color.Black ? State with { BlackRelay = assignment } : State with { WhiteRelay = assignment };
        await CommitAsync(next, replayOnFailure: false);
    }

    private async Task<IReadOnlyList<PlayerRatingView>> RatingsNowAsync(GameSpec spec) =>
    [
        await GrainFactory.GetGrain<IPlayerRatingGrain>(spec.Black).GetRating(),
        await GrainFactory.GetGrain<IPlayerRatingGrain>(spec.White).GetRating(),
    ];

    /// <summary>
    /// Applies a consensus result to both ratings from the ratings fixed before the game. Each rating applies a game
    /// once, so a crash between the two updates is finished by the next call without counting anything twice.
    /// </summary>
    private async Task CompleteRatingAsync()
    {
        if (State is not { State: GameState.Agreed, Rated: false, RatingsBefore: [var black, var white], Spec: { } spec })
        {
            return;
        }
        var blackScore = GameResult.Parse(State.Result).Winner switch
        {
            Color.Black => 1.0,
            Color.White => 0.0,
            _ => 0.5,
        };
        // Handicap: each stone is worth a rank to Black, so each side meets the other's rating shifted by it.
        var whiteAsSeenByBlack = RatingScale.RatingOf(RatingScale.RankOf(white.Rating) - spec.Handicap);
        var blackAsSeenByWhite = RatingScale.WithHandicap(black.Rating, spec.Handicap);
        var gameId = this.GetPrimaryKeyString();
        await GrainFactory.GetGrain<IPlayerRatingGrain>(spec.Black)
            .Apply(new RatedGame(gameId, whiteAsSeenByBlack, white.Deviation, white.Volatility, blackScore));
        await GrainFactory.GetGrain<IPlayerRatingGrain>(spec.White)
            .Apply(new RatedGame(gameId, blackAsSeenByWhite, black.Deviation, black.Volatility, 1 - blackScore));
        await CommitAsync(State with { Rated = true }, replayOnFailure: false);
    }

    private async Task CommitAsync(GameRecordState next, bool replayOnFailure)
    {
        var previous = record.State;
        try
        {
            await WriteAsync(next);
        }
        catch
        {
            record.State = previous;
            if (replayOnFailure)
            {
                _board = Replay(previous);
            }
            throw;
        }
    }

    private async Task WriteAsync(GameRecordState next)
    {
        record.State = next;
        await record.WriteStateAsync();
    }

    private async Task PublishAsync(GameEvent gameEvent)
    {
        try
        {
            foreach (var sink in await sinks.CurrentAsync(GrainFactory))
            {
                // One-way: a silo that is slow or gone never holds up the game.
                _ = sink.OnGameEvent(gameEvent);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Events only wake subscribers up; the state write already succeeded and readers poll the truth.
            LogPublishFailed(logger, e, gameEvent.GameId);
        }
    }

    private Task ReportStartedAsync(GameSpec spec) => ReportAsync(ClusterEventType.GameStarted,
        new GameStarted(this.GetPrimaryKeyString(), ApiJson.NameOf(spec.Type), spec.Black, spec.White, spec.Size, spec.Rated));

    /// <summary>Logs a game's start or end in the cluster's event log, once per game and type (the dashboard's active games).</summary>
    private async Task ReportAsync<T>(ClusterEventType type, T data)
    {
        var gameId = this.GetPrimaryKeyString();
        try
        {
            await events.AppendAsync(type, gameId, data, dedupeKey: $"{ApiJson.NameOf(type)}:{gameId}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The game's own record is durable already; the log is what watchers read, and a lost entry costs the
            // dashboard one game, not the players their move.
            LogPublishFailed(logger, e, gameId);
        }
    }

    private (GameSpec Spec, GoGame Board) RequireGame() =>
        State.Spec is { } spec && _board is { } board
            ? (spec, board)
            : throw RequestRefusedException.NotFound("unknown_game", $"There is no game '{this.GetPrimaryKeyString()}'.");

    private static Color ColorOf(GameSpec spec, string? player) =>
        player == spec.Black ? Color.Black
        : player == spec.White ? Color.White
        : throw RequestRefusedException.Forbidden("not_a_player", $"'{player}' does not play in this game.");

    private static bool IsRepeat(PlayedMove last, Color color, string? move, int size)
    {
        if (last.Color != Letter(color))
        {
            return false;
        }
        var text = (move ?? "").Trim();
        if (text.Equals(Resign, StringComparison.OrdinalIgnoreCase))
        {
            return last.Move == Resign;
        }
        try
        {
            return Point.FromGtp(text, size).ToGtp(size) == last.Move;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static Point ParseVertex(string text, int size)
    {
        try
        {
            return Point.FromGtp(text, size);
        }
        catch (FormatException e)
        {
            throw RequestRefusedException.BadRequest("malformed_vertex", e.Message);
        }
    }

    private static string Describe(MoveLegality legality) => legality switch
    {
        MoveLegality.Occupied => "the point is occupied",
        MoveLegality.OffBoard => "the point is off the board",
        MoveLegality.Suicide => "suicide is not allowed under these rules",
        MoveLegality.Ko => "it retakes the ko immediately",
        _ => "it repeats an earlier position (superko)",
    };

    private static string Letter(Color color) => color == Color.Black ? "B" : "W";

    private static GameSpec Normalise(GameSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Black) || string.IsNullOrWhiteSpace(spec.White) || spec.Black.Length > 64 || spec.White.Length > 64)
        {
            throw RequestRefusedException.BadRequest("invalid_players", "black and white are player ids of 1 to 64 characters.");
        }
        if (spec.Black == spec.White)
        {
            throw RequestRefusedException.BadRequest("same_player", "A player cannot play both colours.");
        }
        if (spec.Size is < 2 or > Board.MaxSize)
        {
            throw RequestRefusedException.BadRequest("invalid_size", $"size must be 2 to {Board.MaxSize}.");
        }
        var rules = RuleSet.FromName(spec.Rules)
            ?? throw RequestRefusedException.BadRequest("unknown_rules", $"'{spec.Rules}' is not a rule set (chinese, japanese, tromp-taylor).");
        if (spec.Handicap != 0 && (spec.Handicap < 2 || spec.Handicap > Handicap.MaxFixed(spec.Size)))
        {
            throw RequestRefusedException.BadRequest("invalid_handicap", $"A {spec.Size}x{spec.Size} board takes a handicap of 0 or 2 to {Handicap.MaxFixed(spec.Size)}.");
        }
        if (spec.Komi is { } komi && (!double.IsFinite(komi) || Math.Abs(komi) > 150 || komi * 2 != Math.Round(komi * 2)))
        {
            throw RequestRefusedException.BadRequest("invalid_komi", "komi must be a multiple of 0.5 between -150 and 150.");
        }
        var defaultKomi = spec.Handicap > 0 ? 0.5 : rules.DefaultKomi;
        return spec with { Rules = rules.Name, Komi = spec.Komi ?? defaultKomi };
    }

    private static GoGame Replay(GameRecordState state)
    {
        var spec = state.Spec!;
        var game = new GoGame(spec.Size, RuleSet.FromName(spec.Rules)!, spec.Komi, Handicap.FixedPoints(spec.Size, spec.Handicap));
        foreach (var move in state.Moves)
        {
            if (move.Move == Resign)
            {
                game.Resign(move.Color == "B" ? Color.Black : Color.White);
            }
            else
            {
                game.Play(BoardMove(move, spec.Size));
            }
        }
        return game;
    }

    /// <summary>The stones and passes of a game (a resignation puts nothing on the board).</summary>
    private static IEnumerable<Move> BoardMoves(GameRecordState state, int size) =>
        state.Moves.Where(m => m.Move != Resign).Select(m => BoardMove(m, size));

    private static Move BoardMove(PlayedMove move, int size) => new(move.Color == "B" ? Color.Black : Color.White, Point.FromGtp(move.Move, size));

    private static GameRecord ToRecord(GameSpec spec, GameRecordState state)
    {
        Rank? RankOf(int index) => state.RatingsBefore is [_, _] ratings ? Rank.FromValue(RatingScale.RankOf(ratings[index].Rating)) : null;
        var setup = Handicap.FixedPoints(spec.Size, spec.Handicap).Select(p => new SetupStone(0, p, Stone.Black)).ToList();
        var moves = BoardMoves(state, spec.Size).ToArray();
        return new GameRecord(spec.Size, spec.Komi ?? 0, RuleSet.FromName(spec.Rules)!, spec.Handicap, spec.Black, spec.White,
            RankOf(0), RankOf(1), GameResult.Parse(state.Result), state.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), setup, moves);
    }

    private SgfNode ToSgf(GameRecordState state)
    {
        var spec = state.Spec!;
        var root = new SgfNode();
        void Add(SgfNode node, string id, params string[] values) => node.Properties.Add(new SgfProperty(id, values));
        Add(root, "GM", "1");
        Add(root, "FF", "4");
        Add(root, "CA", "UTF-8");
        Add(root, "AP", "OrleansGoRelay");
        Add(root, "GN", this.GetPrimaryKeyString());
        Add(root, "SZ", spec.Size.ToString(CultureInfo.InvariantCulture));
        Add(root, "KM", (spec.Komi ?? 0).ToString(CultureInfo.InvariantCulture));
        Add(root, "RU", spec.Rules);
        Add(root, "PB", spec.Black);
        Add(root, "PW", spec.White);
        Add(root, "DT", state.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (spec.Handicap > 0)
        {
            Add(root, "HA", spec.Handicap.ToString(CultureInfo.InvariantCulture));
            Add(root, "AB", [.. Handicap.FixedPoints(spec.Size, spec.Handicap).Select(p => p.ToSgf())]);
        }
        if (state.Result is { } result && state.State != GameState.Disputed)
        {
            Add(root, "RE", result);
        }
        var parent = root;
        foreach (var move in BoardMoves(state, spec.Size))
        {
            var node = new SgfNode();
            Add(node, move.Player.ToLetter().ToString(), move.Point.ToSgf());
            parent.Children.Add(node);
            parent = node;
        }
        return root;
    }

    private GameView View()
    {
        var s = State;
        var toMove = s.State == GameState.Playing && _board is { } board ? Letter(board.ToMove) : "";
        return new GameView(this.GetPrimaryKeyString(), s.Spec!, s.State, toMove, s.Moves, s.EndedBy, s.Claims, s.Result,
            s.State == GameState.Agreed, s.Rated, s.BlackRelay, s.WhiteRelay, s.CreatedAt, s.EndedAt);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not finish the rating updates of game {GameId}")]
    private static partial void LogRatingFailed(ILogger logger, Exception exception, string gameId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish an event of game {GameId}")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string gameId);
}
