using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Learning.Federated.Aggregation;
using OrleansGoRelay.Learning.Federated.Compression;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// The round scheduler (cluster singleton). It starts rounds on request, one open at a time, and samples their
/// participants: registered, healthy relays with FL enabled whose stake (the balance of their <c>stake:</c> escrow) is
/// at least <see cref="FederatedOptions.MinStake"/> and who may use at least one stamped game, drawn without replacement with
/// weights stake × reputation factor (<see cref="ReputationRules.SelectionWeight"/>, 0.5× to 1.5×; <see cref="ClientSampler"/>,
/// seeded by the round number): reputation tilts the draw, it never shuts a staked relay out. Every second it moves the open round on, so a round whose silo died resumes on a
/// survivor and closes its stages at their deadlines even when no relay calls.
/// </summary>
[GrainType("fl-round-scheduler")]
public sealed partial class RoundSchedulerGrain(
    IFederatedStore store, ModelRegistry registry, IRelayStore relays, Stamps.IStampStore stamps, IOptions<FederatedOptions> options, TimeProvider clock,
    ILocalSiloDetails silo, ILogger<RoundSchedulerGrain> logger) : Grain, IRoundSchedulerGrain
{
    private DateTimeOffset _activatedAt;
    private DateTimeOffset? _lastRunAt;
    private Task? _poke;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = TimeProvider.System.GetUtcNow();
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task EnsureRunning() => Task.CompletedTask;

    public Task<SingletonStatus> Status() => Task.FromResult(new SingletonStatus("fl-round-scheduler", silo.SiloAddress.ToParsableString(), _activatedAt, _lastRunAt));

    public async Task<RoundStart> StartRound(RoundRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        if (await OpenAsync() is { } open)
        {
            throw RequestRefusedException.Conflict("round_open", $"Round '{open.RoundId}' is still open (stage {open.Stage}); one round runs at a time.");
        }
        var settings = options.Value;
        var ledger = GrainFactory.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        var candidates = new List<SamplingCandidate>();
        foreach (var relay in await relays.ListAsync())
        {
            if (relay.Health != RelayHealth.Healthy || !relay.Registration.FlEnabled)
            {
                continue;
            }
            var stake = (await ledger.GetAccount(SystemAccounts.Stake(relay.RelayId)))?.Balance ?? 0;
            // A relay with no stamped game it may use has nothing to train on: sampling it would only fail its round.
            if (stake >= settings.MinStake && (await stamps.AccessibleAsync(relay.RelayId, 0, 1)).Count > 0)
            {
                candidates.Add(new SamplingCandidate(relay.RelayId, ReputationRules.SelectionWeight(stake, relay.Reputation)));
            }
        }
        if (candidates.Count < request.MinParticipants)
        {
            throw RequestRefusedException.Unprocessable("too_few_participants",
                $"{candidates.Count} relays are eligible (healthy, FL enabled, a stake of at least {settings.MinStake} base units, stamped games to train on); the round needs {request.MinParticipants}.");
        }
        var number = await store.NextRoundNumberAsync();
        var count = Math.Min(candidates.Count, request.MaxParticipants ?? candidates.Count);
        var sampler = new ClientSampler((double)count / candidates.Count, Math.Max(1, count), SamplingMode.StakeWeighted, number);
        var sampled = sampler.Sample([.. candidates.OrderBy(c => c.ClientId, StringComparer.Ordinal)], number).Order(StringComparer.Ordinal).ToList();
        var model = await registry.CurrentAsync();
        var now = clock.GetUtcNow();
        var roundId = string.Create(CultureInfo.InvariantCulture, $"round-{number:000000}");
        var start = new RoundStart(roundId, model.ModelHash, request.MinParticipants, now.AddSeconds(request.DeadlineSeconds), request.Strategy, request.Privacy,
            request.SecureAggregation, sampled, request.Local ?? settings.DefaultLocal, request.SecureAggregation ? "none" : request.Codec, now);
        double? clipNorm = null;
        var samplingRate = (double)sampled.Count / candidates.Count;
        if (request.Privacy is { } privacy)
        {
            clipNorm = await PrivacyRuns.ClipNormAsync(store, privacy);
            // A round the budget cannot pay for is refused before any relay trains for it.
            var run = new Learning.Federated.Rounds.PrivacyRun(privacy, samplingRate, candidates.Count, await PrivacyRuns.BeforeAsync(store, roundId));
            var aggregator = run.Aggregator();
            if (!aggregator.CanAffordRound)
            {
                throw RequestRefusedException.Unprocessable("privacy_budget_exhausted", string.Create(CultureInfo.InvariantCulture,
                    $"With z = {run.NoiseMultiplier:G3} and q = {samplingRate:G3} this round would take ε from {aggregator.EpsilonSpent:G4} to {aggregator.EpsilonAfterNextRound:G4}, past the budget of {privacy.Epsilon:G4}."));
            }
        }
        var begun = await GrainFactory.GetGrain<IFederatedRoundGrain>(roundId).Begin(start, new RoundSetup(number, samplingRate, candidates.Count, clipNorm));
        LogStarted(logger, roundId, sampled.Count, candidates.Count);
        return begun;
    }

    public async Task<RoundStart?> OpenRound() => (await OpenAsync())?.Start;

    public async Task<IReadOnlyList<RoundStart>> Rounds(int limit) => [.. (await store.ListRoundsAsync(Math.Clamp(limit, 1, 500))).Select(r => r.Start)];

    public Task RoundFinished(string roundId) => Task.CompletedTask;

    private async Task<StoredRound?> OpenAsync() => (await store.ListRoundsAsync(1)).FirstOrDefault(r => !RoundStages.IsFinished(r.Stage));

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The poke is not awaited: right after a silo died it may wait for the round's new activation (or its old silo's
            // timeout), and the scheduler must keep answering StartRound and reads meanwhile. One poke at a time.
            if (await OpenAsync() is { } open && (_poke is null || _poke.IsCompleted))
            {
                _poke = PokeAsync(open.RoundId);
            }
            _lastRunAt = TimeProvider.System.GetUtcNow();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTickFailed(logger, e);
        }
    }

    private async Task PokeAsync(string roundId)
    {
        try
        {
            await GrainFactory.GetGrain<IFederatedRoundGrain>(roundId).Advance();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTickFailed(logger, e);
        }
    }

    private static void Validate(RoundRequest r)
    {
        string? why = r switch
        {
            { MinParticipants: < 1 or > 10_000 } => "minParticipants is 1 to 10,000",
            { DeadlineSeconds: < 1 or > 86_400 } => "deadlineSeconds is 1 to 86,400",
            { MaxParticipants: < 1 } => "maxParticipants is at least 1",
            { MaxParticipants: { } max } when max < r.MinParticipants => "maxParticipants is at least minParticipants",
            { Strategy: var s } when !AggregationRules.Names.Contains(s) => $"strategy is one of {string.Join(", ", AggregationRules.Names)}",
            { SecureAggregation: true, Strategy: not "fedavg" } => "secure aggregation sums the updates: its strategy is fedavg",
            { Privacy: not null, Strategy: not "fedavg" } => "differential privacy is DP-FedAvg: its strategy is fedavg",
            { SecureAggregation: true, MinParticipants: < 2 } => "secure aggregation needs minParticipants of at least 2",
            { Privacy: { } p } when !(p.Epsilon > 0 && double.IsFinite(p.Epsilon)) || !(p.Delta is > 0 and < 1) || !(p.Clip > 0 && double.IsFinite(p.Clip)) =>
                "privacy needs epsilon > 0, 0 < delta < 1 and clip > 0",
            { Privacy.NoiseMultiplier: < 0 } => "privacy.noiseMultiplier is not negative",
            { Privacy.PlannedRounds: < 1 } => "privacy.plannedRounds is at least 1",
            { Local: { } l } when l.Steps is < 1 or > 10_000 || l.BatchSize is < 1 or > 1024 || !(l.LearningRate > 0 && l.LearningRate <= 10) =>
                "local is steps 1 to 10,000, batchSize 1 to 1,024 and a learning rate in (0, 10]",
            { Codec: var c } when !UpdateCodecs.Names.Contains(c) => $"codec is one of {string.Join(", ", UpdateCodecs.Names)}",
            _ => null,
        };
        if (why is not null)
        {
            throw RequestRefusedException.BadRequest("invalid_round", why + ".");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Round {RoundId} started with {Sampled} of {Eligible} eligible relays")]
    private static partial void LogStarted(ILogger logger, string roundId, int sampled, int eligible);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moving the open round on failed; the next second tries again")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
