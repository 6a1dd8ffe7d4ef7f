using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Learning.Data;
using OrleansGoRelay.Learning.Federated;
using OrleansGoRelay.Learning.Federated.Clients;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Learning.Federated.Privacy;
using OrleansGoRelay.Learning.Federated.Rounds;
using OrleansGoRelay.Learning.Federated.SecureAggregation;
using OrleansGoRelay.Learning.Model;

namespace OrleansGoRelay.RelayAgent.Training;

/// <summary>
/// The relay's federated trainer (<c>gorelay-relay --fl</c>). It stamps the consensus games the relay carried, keeps
/// the SGF of every stamped game it may use on its own disk (the games never go to the cluster in a round: only their
/// ids and an update do), keeps its stake, and takes part in the rounds it is sampled for: it declares itself ready
/// with the games it will train on, trains locally with <see cref="LocalTrainer"/> from the round's model, and sends
/// either a compressed, signed update or, with secure aggregation, its keys, shares, masked input and unmask shares.
/// Everything a later message depends on is on disk before the message leaves (<see cref="RoundWorkspace"/>), so after
/// SIGKILL the restarted relay rejoins the round at the stage it was in.
/// </summary>
public sealed partial class FederatedTrainer(GatewayLink link, PlayerSessions sessions, IOptions<RelayAgentOptions> options, ILogger<FederatedTrainer> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = OrleansGoRelay.Contracts.ApiJson.Options;
    /// <summary>How long an answer of the batch optimiser is followed before it is asked again.</summary>
    private static readonly TimeSpan AdviceLifetime = TimeSpan.FromSeconds(10);

    private readonly HashSet<string> _stampChecked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _pendingStamps = new(StringComparer.Ordinal);
    private StampBatchAdvice? _advice;
    private string? _adviceMissing;
    private DateTimeOffset _adviceAt;
    private (bool Submit, int Pending) _lastDecision;
    private HashSet<string> _usable = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSync;
    private bool _staked;

    private RelayAgentOptions Settings => options.Value;

    private string RelayId => Settings.RelayId;

    private string Root => Settings.Fl.DataDirectory ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Settings.KeyFile))!, RelayId + "-fl");

    private string GamesFolder => Path.Combine(Root, "games");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Settings.FlEnabled)
        {
            return;
        }
        TorchSharp.torch.set_num_threads(Math.Max(1, Settings.Fl.Threads));
        await link.Registered.WaitAsync(stoppingToken).ConfigureAwait(false);
        Directory.CreateDirectory(GamesFolder);
        LogStarted(logger, RelayId, Root);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTimeOffset.UtcNow >= _nextSync)
                {
                    await SyncGamesAsync(stoppingToken).ConfigureAwait(false);
                    await EnsureStakeAsync(stoppingToken).ConfigureAwait(false);
                    _nextSync = DateTimeOffset.UtcNow.AddSeconds(2);
                }
                await TakePartAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or IOException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogStepFailed(logger, e.Message);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A fault in local training (a native torch error, a corrupt game file) must not stop the relay: a
                // BackgroundService that throws stops the whole host, and the relay would leave the round and the
                // network with exit code 0. The round it was in goes on without it; the next poll tries again.
                LogStepFaulted(logger, e);
            }
            await Task.Delay(Settings.Fl.PollInterval, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stamps the consensus games it carried, then fetches the SGF of every stamped game it may use and lacks.</summary>
    private async Task SyncGamesAsync(CancellationToken cancellationToken)
    {
        if (Settings.Fl.StampCarriedGames)
        {
            var ready = new List<StampRequest>();
            foreach (var gameId in sessions.CarriedGames.Where(g => !_stampChecked.Contains(g)).ToList())
            {
                using var response = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/games/{Uri.EscapeDataString(gameId)}", [], cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }
                var game = await response.Content.ReadFromJsonAsync<GameView>(Json, cancellationToken).ConfigureAwait(false);
                if (game is { State: GameState.Agreed })
                {
                    _stampChecked.Add(gameId);
                    if (game.Consensus)
                    {
                        ready.Add(new StampRequest(gameId, true));
                    }
                }
            }
            var now = DateTimeOffset.UtcNow;
            foreach (var game in ready)
            {
                _pendingStamps.TryAdd(game.GameId, now);
            }
            await SubmitStampsAsync(now, cancellationToken).ConfigureAwait(false);
        }
        var usable = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 1; ; page++)
        {
            using var response = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/relays/{RelayId}/stamps?page={page}&pageSize=500", [], cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }
            var stamps = await response.Content.ReadFromJsonAsync<List<StampListing>>(Json, cancellationToken).ConfigureAwait(false) ?? [];
            usable.UnionWith(stamps.Where(s => s.Status == "active").Select(s => s.StampId));
            foreach (var stamp in stamps.Where(s => s.Status == "active" && !File.Exists(GamePath(s.StampId))))
            {
                using var sgf = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/games/{Uri.EscapeDataString(stamp.StampId)}/sgf", [], cancellationToken).ConfigureAwait(false);
                if (sgf.IsSuccessStatusCode)
                {
                    RoundWorkspace.WriteDurably(GamePath(stamp.StampId), await sgf.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
                }
            }
            if (stamps.Count < 500)
            {
                // Only games that are stamps this relay may use now are training data (a burned stamp is not).
                _usable = usable;
                return;
            }
        }
    }

    /// <summary>
    /// Submits the pending consensus games as one batch when the batch optimiser says so (or the bound has passed, or
    /// there is no advice), otherwise holds them; logs each new decision. The advice is asked again when the pending
    /// count changes and every <see cref="AdviceLifetime"/>.
    /// </summary>
    private async Task SubmitStampsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_pendingStamps.Count == 0)
        {
            return;
        }
        var waited = now - _pendingStamps.Values.Min();
        var maxWait = Settings.Fl.BatchStamps ? Settings.Fl.MaxStampWait : TimeSpan.Zero;
        if (waited < maxWait && (_advice is null || _advice.PendingGames != _pendingStamps.Count || now - _adviceAt > AdviceLifetime))
        {
            (_advice, _adviceMissing) = await AskAdviceAsync(waited, maxWait, cancellationToken).ConfigureAwait(false);
            _adviceAt = now;
        }
        var decision = StampBatchPolicy.Decide(_pendingStamps.Count, waited, maxWait, _advice, _adviceMissing);
        if ((decision.Submit, _pendingStamps.Count) != _lastDecision)
        {
            _lastDecision = (decision.Submit, _pendingStamps.Count);
            LogStampDecision(logger, decision.Submit ? "submit" : "hold", _pendingStamps.Count, waited.TotalSeconds, decision.Reason);
        }
        if (!decision.Submit)
        {
            return;
        }
        var batch = _pendingStamps.Keys.Select(g => new StampRequest(g, true)).ToList();
        using var stamped = await link.SendSignedAsync(HttpMethod.Post, "/api/v1/stamps/batch", JsonSerializer.SerializeToUtf8Bytes(batch, Json), cancellationToken).ConfigureAwait(false);
        LogStamped(logger, batch.Count, (int)stamped.StatusCode);
        // An answer, even a refusal, settles these games (as before batching); a failed connection keeps them pending.
        _pendingStamps.Clear();
        _advice = null;
    }

    /// <summary>The optimiser's advice for the pending games from the economics route, or why there is none.</summary>
    private async Task<(StampBatchAdvice? Advice, string? Missing)> AskAdviceAsync(TimeSpan waited, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/relays/{Uri.EscapeDataString(RelayId)}/economics?buckets=1&pending={_pendingStamps.Count}&waitedSeconds={(long)waited.TotalSeconds}&maxWaitSeconds={(long)maxWait.TotalSeconds}");
        using var response = await link.SendSignedAsync(HttpMethod.Get, query, [], cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (null, $"the economics route answered {(int)response.StatusCode}");
        }
        var economics = await response.Content.ReadFromJsonAsync<RelayEconomics>(Json, cancellationToken).ConfigureAwait(false);
        return (economics?.Advice, economics is null ? "the economics route answered nothing" : null);
    }

    /// <summary>Moves the configured stake from the wallet into the relay's stake escrow once the wallet holds it.</summary>
    private async Task EnsureStakeAsync(CancellationToken cancellationToken)
    {
        if (_staked || Settings.Fl.Stake <= 0)
        {
            return;
        }
        using var view = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/relays/{RelayId}/stake", [], cancellationToken).ConfigureAwait(false);
        var stake = await view.Content.ReadFromJsonAsync<StakeView>(Json, cancellationToken).ConfigureAwait(false);
        if (stake is null || stake.Staked >= Settings.Fl.Stake)
        {
            _staked = stake is not null;
            return;
        }
        var missing = Settings.Fl.Stake - stake.Staked;
        if (stake.Wallet < missing)
        {
            return; // not funded yet
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(new StakeRequest(missing, $"top-up-{stake.Staked}"), Json);
        using var response = await link.SendSignedAsync(HttpMethod.Post, $"/api/v1/relays/{RelayId}/stake", body, cancellationToken).ConfigureAwait(false);
        _staked = response.IsSuccessStatusCode;
        LogStaked(logger, missing, (int)response.StatusCode);
    }

    /// <summary>One look at the open round: answers what it asks of this relay, if anything.</summary>
    private async Task TakePartAsync(CancellationToken cancellationToken)
    {
        using var openResponse = await link.SendSignedAsync(HttpMethod.Get, "/api/v1/fl/rounds/open", [], cancellationToken).ConfigureAwait(false);
        if (openResponse.StatusCode != HttpStatusCode.OK)
        {
            return;
        }
        var open = await openResponse.Content.ReadFromJsonAsync<RoundStart>(Json, cancellationToken).ConfigureAwait(false);
        if (open is null || !open.Participants.Contains(RelayId))
        {
            return;
        }
        var workspace = new RoundWorkspace(Root, open.RoundId);
        var notes = workspace.Notes;
        if (notes?.Abandoned is not null)
        {
            return;
        }
        using var taskResponse = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/fl/rounds/{open.RoundId}/task", [], cancellationToken).ConfigureAwait(false);
        var task = await taskResponse.Content.ReadFromJsonAsync<RoundTask>(Json, cancellationToken).ConfigureAwait(false);
        if (task is not { Expected: true } || notes?.Sent.Contains(task.Stage) == true && workspace.Outbox(task.Stage) is null)
        {
            return;
        }
        // A message prepared before a crash is sent as it was; otherwise it is made now, saved, then sent.
        var body = workspace.Outbox(task.Stage) ?? await PrepareAsync(open, task, workspace, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        var segment = task.Stage switch
        {
            RoundStages.Ready => "ready",
            RoundStages.Advertising => "keys",
            RoundStages.Sharing => "shares",
            RoundStages.Masking => "masked",
            RoundStages.Unmasking => "unmask",
            _ => "updates",
        };
        using var response = await link.SendSignedAsync(HttpMethod.Post, $"/api/v1/fl/rounds/{open.RoundId}/{segment}", body, cancellationToken).ConfigureAwait(false);
        var current = workspace.Notes!;
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict && (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Contains("already_answered", StringComparison.Ordinal))
        {
            workspace.SaveNotes(current with { Sent = [.. current.Sent, task.Stage] });
            LogSent(logger, open.RoundId, task.Stage, body.Length);
        }
        else if (response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            workspace.SaveNotes(current with { Abandoned = problem });
            LogRefused(logger, open.RoundId, task.Stage, problem);
        }
    }

    /// <summary>The message for the stage, saved (with what it depends on) before it is returned for sending.</summary>
    private async Task<byte[]?> PrepareAsync(RoundStart round, RoundTask task, RoundWorkspace workspace, CancellationToken cancellationToken)
    {
        var notes = workspace.Notes;
        byte[] body;
        switch (task.Stage)
        {
            case RoundStages.Ready:
            {
                var (shape, _) = await ModelAsync(round.ModelVersion, cancellationToken).ConfigureAwait(false);
                var games = LocalGames(shape.BoardSize).Keys.Order(StringComparer.Ordinal).ToList();
                if (games.Count == 0)
                {
                    return null; // nothing to train on yet: the stage closes without this relay
                }
                var hash = FederatedSigning.DataHash(games);
                workspace.SaveNotes(new RoundNotes(round.RoundId, games, hash, 0, []));
                body = JsonSerializer.SerializeToUtf8Bytes(new PeerReady(RelayId, games.Count, hash, games), Json);
                break;
            }
            case RoundStages.Advertising when notes is not null && task is { ClientId: { } id, Plan: { } plan }:
            {
                using var client = new SecureAggregationClient(plan.ToConfig(round.RoundId), id, signer: new RelaySigner(link));
                var advert = client.AdvertiseKeys();
                workspace.SaveClientState(SecureAggregationClientState.Serialize(client.ExportState()));
                body = JsonSerializer.SerializeToUtf8Bytes(advert.ToWire(), Json);
                break;
            }
            case RoundStages.Sharing when notes is not null && workspace.ClientState is { } state && task is { Advertisements: { } adverts, Survivors: { } survivors }:
            {
                using var client = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(state), signer: new RelaySigner(link));
                var shares = client.ShareKeys(new KeysBroadcast(round.RoundId, [.. survivors], [.. adverts.Select(a => a.FromWire())]));
                workspace.SaveClientState(SecureAggregationClientState.Serialize(client.ExportState()));
                body = JsonSerializer.SerializeToUtf8Bytes(shares.ToWire(), Json);
                break;
            }
            case RoundStages.Masking when notes is not null && workspace.ClientState is { } state && task is { ClientId: { } id, Survivors: { } survivors, Bundles: { } bundles }:
            {
                var (delta, metrics) = await TrainAsync(round, workspace, notes, cancellationToken).ConfigureAwait(false);
                using var client = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(state), signer: new RelaySigner(link));
                var input = SecureInput.Of(delta, metrics.Examples, task.ClipNorm);
                var masked = client.MaskInput(new ShareDelivery(round.RoundId, id, [.. survivors], [.. bundles.Select(b => b.FromWire())]), input);
                workspace.SaveClientState(SecureAggregationClientState.Serialize(client.ExportState()));
                var values = SecureAggregationWire.ToBytes(masked.Values);
                var signature = FederatedSigning.Sign(link.Key, FederatedSigning.SubmissionBytes(round.RoundId, RelayId, values, notes.DataHash));
                body = JsonSerializer.SerializeToUtf8Bytes(new MaskedUpdate(id, values, metrics, signature, notes.DataHash), Json);
                break;
            }
            case RoundStages.Unmasking when notes is not null && workspace.ClientState is { } state && task is { Survivors: { } survivors }:
            {
                using var client = SecureAggregationClient.Restore(SecureAggregationClientState.Deserialize(state));
                var unmask = client.Unmask(new UnmaskRequest(round.RoundId, [.. survivors]));
                workspace.SaveClientState(SecureAggregationClientState.Serialize(client.ExportState()));
                body = JsonSerializer.SerializeToUtf8Bytes(unmask.ToWire(), Json);
                break;
            }
            case RoundStages.Training when notes is not null:
            {
                var (delta, metrics) = await TrainAsync(round, workspace, notes, cancellationToken).ConfigureAwait(false);
                var (shape, _) = await ModelAsync(round.ModelVersion, cancellationToken).ConfigureAwait(false);
                var layout = ParameterLayout.Of(new NetConfig(shape.BoardSize, shape.Blocks, shape.Channels, shape.ValueHidden));
                if (task.ClipNorm is { } clip)
                {
                    delta = L2Clipping.Clip(delta, clip).Delta;
                }
                var update = UpdateCodecs.Create(round.Codec, layout).Encode(delta);
                var signature = FederatedSigning.Sign(link.Key, FederatedSigning.SubmissionBytes(round.RoundId, RelayId, update, notes.DataHash));
                body = JsonSerializer.SerializeToUtf8Bytes(new GradientSubmission(round.RoundId, update, round.Codec, metrics, signature, notes.DataHash), Json);
                break;
            }
            default:
                return null;
        }
        workspace.SaveOutbox(task.Stage, body);
        return body;
    }

    /// <summary>Trains once per round (the update is saved, so a restart reuses it) on the games it declared.</summary>
    private async Task<(float[] Delta, UpdateMetrics Metrics)> TrainAsync(RoundStart round, RoundWorkspace workspace, RoundNotes notes, CancellationToken cancellationToken)
    {
        var (shape, weights) = await ModelAsync(round.ModelVersion, cancellationToken).ConfigureAwait(false);
        var config = new NetConfig(shape.BoardSize, shape.Blocks, shape.Channels, shape.ValueHidden);
        var games = LocalGames(shape.BoardSize, notes.GameIds);
        var positions = notes.GameIds.Where(games.ContainsKey).SelectMany(id => GamePositions.Of(games[id])).ToList();
        if (workspace.Update is { } saved && notes.Examples > 0)
        {
            return (saved, new UpdateMetrics(notes.Examples, round.Local.Steps, 0, 0, 0));
        }
        if (positions.Count == 0)
        {
            throw new IOException($"None of the {notes.GameIds.Count} games declared for round {round.RoundId} is on disk any more.");
        }
        var plan = round.Local;
        var result = await Task.Run(() => LocalTrainer.Train(RelayId, ParameterLayout.Of(config), weights, positions,
            new LocalTrainingOptions(Steps: plan.Steps, BatchSize: plan.BatchSize, LearningRate: plan.LearningRate, Seed: StableSeed(round.RoundId + RelayId))), cancellationToken).ConfigureAwait(false);
        workspace.SaveUpdate(result.Update.Delta);
        var metrics = new UpdateMetrics(result.Metrics.Examples, result.Metrics.Steps, result.Metrics.Loss, result.Metrics.Accuracy, result.Metrics.ComputeSeconds);
        workspace.SaveNotes(notes with { Examples = metrics.Examples });
        LogTrained(logger, round.RoundId, positions.Count, result.Metrics.Loss, result.Metrics.ComputeSeconds);
        return (result.Update.Delta, metrics);
    }

    /// <summary>The round's model (shape and weights), downloaded once and kept on disk.</summary>
    private async Task<(ModelShape Shape, float[] Weights)> ModelAsync(string modelHash, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Root, "models");
        var weightsPath = Path.Combine(folder, modelHash + ".bin");
        var shapePath = Path.Combine(folder, modelHash + ".json");
        if (!File.Exists(weightsPath) || !File.Exists(shapePath))
        {
            using var versionResponse = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/models/{modelHash}", [], cancellationToken).ConfigureAwait(false);
            versionResponse.EnsureSuccessStatusCode();
            var described = await versionResponse.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken).ConfigureAwait(false);
            var shape = described.GetProperty("version").GetProperty("shape").Deserialize<ModelShape>(Json)!;
            using var weightsResponse = await link.SendSignedAsync(HttpMethod.Get, $"/api/v1/models/{modelHash}/weights", [], cancellationToken).ConfigureAwait(false);
            weightsResponse.EnsureSuccessStatusCode();
            var bytes = await weightsResponse.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            RoundWorkspace.WriteDurably(weightsPath, bytes);
            RoundWorkspace.WriteDurably(shapePath, JsonSerializer.SerializeToUtf8Bytes(shape, Json));
        }
        return (JsonSerializer.Deserialize<ModelShape>(File.ReadAllBytes(shapePath), Json)!, WeightBytes.Read(File.ReadAllBytes(weightsPath)));
    }

    /// <summary>The games on disk of one board size that are stamps the relay may use.</summary>
    /// <param name="size">The board size.</param>
    /// <param name="declared">Once the relay declared its games for a round, those (whatever the last listing said).</param>
    private Dictionary<string, GameRecord> LocalGames(int size, IReadOnlyCollection<string>? declared = null)
    {
        var games = new Dictionary<string, GameRecord>(StringComparer.Ordinal);
        var wanted = declared is null ? _usable : declared.ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(GamesFolder, "*.sgf").Where(f => wanted.Contains(Path.GetFileNameWithoutExtension(f))))
        {
            try
            {
                var record = GameImporter.Import(SgfParser.Parse(File.ReadAllText(file))[0]);
                if (record.Size == size && record.Moves.Length > 0)
                {
                    games[Path.GetFileNameWithoutExtension(file)] = record;
                }
            }
            catch (FormatException)
            {
                // A record the importer cannot read is not training data.
            }
        }
        return games;
    }

    private string GamePath(string gameId) => Path.Combine(GamesFolder, string.Concat(gameId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')) + ".sgf");

    private static int StableSeed(string text) => BitConverter.ToInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))) & 0x7fffffff;

    /// <summary>Signs secure-aggregation advertisements with the relay's identity key (the one it registered).</summary>
    private sealed class RelaySigner(GatewayLink link) : IAdvertisementSigner
    {
        public byte[] Sign(byte[] payload) => link.SignData(payload);
    }

    private sealed record StampRequest(string GameId, bool Consensus);

    private sealed record StampListing(string StampId, string Status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Federated trainer of {RelayId} started; its games and round state live in {Folder}")]
    private static partial void LogStarted(ILogger logger, string relayId, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Asked to stamp {Games} consensus games: {Status}")]
    private static partial void LogStamped(ILogger logger, int games, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stamp batch: {Decision} {Pending} consensus games (oldest waited {WaitedSeconds:F0} s): {Reason}")]
    private static partial void LogStampDecision(ILogger logger, string decision, int pending, double waitedSeconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staked {Amount} base units: {Status}")]
    private static partial void LogStaked(ILogger logger, long amount, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId}: sent {Stage} ({Bytes} bytes)")]
    private static partial void LogSent(ILogger logger, string roundId, string stage, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {RoundId} refused our {Stage} message; we leave the round: {Problem}")]
    private static partial void LogRefused(ILogger logger, string roundId, string stage, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId}: trained on {Positions} positions, loss {Loss:F3}, {Seconds:F1} s")]
    private static partial void LogTrained(ILogger logger, string roundId, int positions, double loss, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Federated step failed, retrying: {Reason}")]
    private static partial void LogStepFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Federated step faulted; the relay keeps running and tries again")]
    private static partial void LogStepFaulted(ILogger logger, Exception exception);
}
