using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Stamps;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>A channel as stored: its terms and what was settled (the draws since are only in memory).</summary>
[GenerateSerializer, Alias("gorelay.ChannelRecord")]
public sealed record ChannelRecord(
    [property: Id(0)] string AccountId, [property: Id(1)] long Deposit, [property: Id(2)] long PricePerCall, [property: Id(3)] long Settled,
    [property: Id(4)] int Segment, [property: Id(5)] bool Closed, [property: Id(6)] DateTimeOffset ExpiresAt, [property: Id(7)] string[] SettledCalls);

/// <summary>
/// One payment channel. Calls draw in memory; every <see cref="InferenceOptions.SettleInterval"/> (and at close) one
/// linked batch posts what was drawn, locks the rest again and splits the revenue, and only then is the new settled
/// state written. A crash loses at most the draws since the last settlement, revenue the recipients never get; the
/// client is never charged for more than the calls it was answered. Recipients are those of the model that served:
/// the relays whose stamps it was trained on (by stamps), the relays that carried those games, its trainers.
/// </summary>
[GrainType("payment-channel")]
public sealed class PaymentChannelGrain(
    [PersistentState("channel")] IPersistentState<ChannelRecord> record, IFederatedStore registry, IStampStore stamps, IOptions<InferenceOptions> options, TimeProvider clock)
    : Grain, IPaymentChannelGrain
{
    private readonly HashSet<string> _drawnCalls = new(StringComparer.Ordinal);
    private long _drawn;
    private IGrainTimer? _timer;

    private IMarketplaceGrain Ledger => GrainFactory.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);

    private bool Exists => record.RecordExists && record.State is not null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Exists)
        {
            _drawn = record.State.Settled; // draws not settled before a crash are not charged
            StartTimer();
        }
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (Exists && !record.State.Closed)
        {
            await SettleAsync(closing: false);
        }
    }

    public async Task<ChannelView> Open(string accountId, ChannelOpenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tier = request.Tier ?? "standard";
        if (!options.Value.PricePerCall.TryGetValue(tier, out var price))
        {
            throw RequestRefusedException.BadRequest("unknown_tier", $"Pricing tiers: {string.Join(", ", options.Value.PricePerCall.Keys)}.");
        }
        if (request.Deposit < price)
        {
            throw RequestRefusedException.BadRequest("deposit_too_small", $"A deposit pays for at least one call ({price} base units).");
        }
        if (Exists)
        {
            return record.State.AccountId == accountId && record.State.Deposit == request.Deposit && record.State.PricePerCall == price
                ? View()
                : throw RequestRefusedException.Conflict("channel_exists", $"Channel '{this.GetPrimaryKeyString()}' exists with other terms.");
        }
        await Ledger.CreateAccount(new AccountSpec(PaymentChannels.Escrow, AccountKind.DepositEscrow, BalanceRules.DebitsMustNotExceedCredits));
        var (channel, lockDeposit) = PaymentChannels.Open(this.GetPrimaryKeyString(), accountId, request.Deposit, price, options.Value.ChannelTimeoutSeconds);
        var outcome = (await Ledger.SubmitTransfers([lockDeposit]))[0];
        if (!outcome.Applied)
        {
            throw RequestRefusedException.Unprocessable(LedgerNames.Of(outcome.Result), $"The deposit could not be locked: {LedgerNames.Of(outcome.Result)}.");
        }
        record.State = new ChannelRecord(accountId, channel.Deposit, price, 0, 0, false, clock.GetUtcNow().AddSeconds(options.Value.ChannelTimeoutSeconds), []);
        await record.WriteStateAsync();
        StartTimer();
        return View();
    }

    public Task<ChannelView?> Describe() => Task.FromResult(Exists ? View() : null);

    public Task<long> Charge(string accountId, string callId)
    {
        var state = RequireOwned(accountId);
        if (_drawnCalls.Contains(callId) || state.SettledCalls.Contains(callId))
        {
            return Task.FromResult(0L); // a retried call is not charged again
        }
        if (state.Closed || _drawn + state.PricePerCall > state.Deposit)
        {
            throw new RequestRefusedException(402, "channel_exhausted", $"Channel '{this.GetPrimaryKeyString()}' cannot pay for another call ({state.Deposit - _drawn} of {state.Deposit} base units left, {state.PricePerCall} a call).");
        }
        _drawn += state.PricePerCall;
        _drawnCalls.Add(callId);
        return Task.FromResult(state.PricePerCall);
    }

    public Task Refund(string callId)
    {
        if (Exists && _drawnCalls.Remove(callId))
        {
            _drawn -= record.State.PricePerCall;
        }
        return Task.CompletedTask;
    }

    public async Task<ChannelClosed> Close(string accountId)
    {
        var state = RequireOwned(accountId);
        if (!state.Closed)
        {
            await SettleAsync(closing: true);
        }
        return new ChannelClosed(this.GetPrimaryKeyString(), record.State.Settled, record.State.Deposit - record.State.Settled);
    }

    private ChannelRecord RequireOwned(string accountId)
    {
        if (!Exists)
        {
            throw RequestRefusedException.NotFound("unknown_channel", $"There is no channel '{this.GetPrimaryKeyString()}'.");
        }
        return record.State.AccountId == accountId
            ? record.State
            : throw RequestRefusedException.Forbidden("not_your_channel", $"Channel '{this.GetPrimaryKeyString()}' belongs to another account.");
    }

    private ChannelView View()
    {
        var s = record.State;
        return new ChannelView(this.GetPrimaryKeyString(), s.AccountId, s.Deposit, s.PricePerCall, _drawn, s.Settled, s.Deposit - _drawn, s.ExpiresAt, s.Closed);
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(_ => SettleAsync(closing: false), new GrainTimerCreationOptions(options.Value.SettleInterval, options.Value.SettleInterval));

    private async Task SettleAsync(bool closing)
    {
        var state = record.State;
        if (state.Closed || (_drawn == state.Settled && !closing))
        {
            return;
        }
        var channel = new PaymentChannel(this.GetPrimaryKeyString(), state.AccountId, state.Deposit, state.PricePerCall, _drawn, state.Settled, state.Segment, false);
        var (next, batch) = PaymentChannels.Settle(channel, await RecipientsAsync(), closing, options.Value.ChannelTimeoutSeconds);
        var outcomes = await Ledger.SubmitTransfers(batch);
        if (outcomes.FirstOrDefault(o => !o.Applied) is { } failed)
        {
            throw RequestRefusedException.Unprocessable(LedgerNames.Of(failed.Result), $"Settling channel '{channel.ChannelId}' failed: {LedgerNames.Of(failed.Result)}.");
        }
        // Settled call ids are remembered (the most recent 10,000), so a retry after a settlement is not charged again.
        var settledCalls = state.SettledCalls.Concat(_drawnCalls).TakeLast(10_000).ToArray();
        record.State = state with { Settled = next.Settled, Segment = next.Segment, Closed = next.Closed, SettledCalls = settledCalls };
        await record.WriteStateAsync();
        _drawnCalls.Clear();
        if (closing)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>Who the promoted model's revenue goes to: stamp owners by stamps used, carrying relays by games, trainers.</summary>
    private async Task<RevenueRecipients> RecipientsAsync()
    {
        var promoted = await registry.PromotedAsync();
        var version = promoted is null ? null : await registry.VersionAsync(promoted);
        if (version is null || version.StampsUsed.Count == 0)
        {
            return new RevenueRecipients([], [], []);
        }
        var used = await stamps.GetAsync([.. version.StampsUsed]);
        static List<(string, long)> Weigh(IEnumerable<string?> ids) =>
            [.. ids.OfType<string>().GroupBy(id => id, StringComparer.Ordinal).Select(g => (SystemAccounts.Relay(g.Key), (long)g.Count()))];
        var trainers = version.Contributors.Where(c => c.Role == "trainer").Select(c => (SystemAccounts.Trainer(c.Id), (long)Math.Max(1, c.Weight))).ToList();
        foreach (var (account, _) in Weigh(used.Select(s => s.OwnerRelay)).Concat(Weigh(used.SelectMany(s => new[] { s.BlackRelay, s.WhiteRelay }))).Concat(trainers))
        {
            await Ledger.CreateAccount(SystemAccounts.Wallet(account, account.StartsWith("trainer:", StringComparison.Ordinal) ? AccountKind.Trainer : AccountKind.Relay));
        }
        return new RevenueRecipients(Weigh(used.Select(s => s.OwnerRelay)), Weigh(used.SelectMany(s => new[] { s.BlackRelay, s.WhiteRelay })), trainers);
    }
}
