namespace OrleansGoRelay.Ledger.Economics;

/// <summary>Who shares a channel's revenue, with weights: data contributors by stamps used, relays by games carried, trainers by contribution.</summary>
/// <param name="DataContributors">Accounts of the relays whose stamps trained the serving model, weighted by stamps used.</param>
/// <param name="Relays">Accounts of the relays that carried those games, weighted by games.</param>
/// <param name="Trainers">Accounts of the trainers of the rounds behind it, weighted by contribution.</param>
public sealed record RevenueRecipients(
    IReadOnlyList<(string AccountId, long Weight)> DataContributors, IReadOnlyList<(string AccountId, long Weight)> Relays, IReadOnlyList<(string AccountId, long Weight)> Trainers);

/// <summary>A payment channel's accounting (what the channel grain keeps; the ledger holds the money).</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="ClientAccountId">The paying client's account.</param>
/// <param name="Deposit">Base units locked when it opened.</param>
/// <param name="PricePerCall">Base units each call draws.</param>
/// <param name="Drawn">Base units drawn by answered calls.</param>
/// <param name="Settled">Base units of those already moved in the ledger.</param>
/// <param name="Segment">The pending transfer now holding the unsettled deposit (0 at opening, one more per settlement).</param>
/// <param name="Closed">Whether it is closed.</param>
public sealed record PaymentChannel(string ChannelId, string ClientAccountId, long Deposit, long PricePerCall, long Drawn, long Settled, int Segment, bool Closed)
{
    /// <summary>Base units still available to calls.</summary>
    public long Available => Deposit - Drawn;

    /// <summary>The pending transfer that holds the unsettled part now.</summary>
    public string PendingId => PaymentChannels.PendingId(ChannelId, Segment);
}

/// <summary>
/// Payment channels, as the design's roadmap has them: a client locks a deposit in a pending transfer; each answered
/// call draws on it in memory (no ledger write per call); a settlement posts the pending transfer for what was drawn
/// since the last one (TigerBeetle posts a pending transfer once, for at most its amount, releasing the rest), locks
/// what is left in the next pending transfer, and splits the posted revenue 40/30/20/10, all as one linked batch whose
/// ids are fixed by the channel and the segment, so a retried settlement changes nothing. Closing settles and locks
/// nothing more. If the silo dies, the draws since the last settlement are lost to the recipients (never charged to
/// the client twice, nor for more than it used): the open pending transfer expires back to the client, or the channel
/// resumes from its last settlement.
/// </summary>
public static class PaymentChannels
{
    /// <summary>The escrow the posted revenue passes through on its way to the recipients.</summary>
    public const string Escrow = "channel-escrow";

    /// <summary>The id of a channel's pending transfer of a segment.</summary>
    public static string PendingId(string channelId, int segment) => $"channel:{channelId}:{segment}";

    /// <summary>A new channel and the pending transfer that locks its deposit.</summary>
    public static (PaymentChannel Channel, TransferRequest Lock) Open(string channelId, string clientAccountId, long deposit, long pricePerCall, int timeoutSeconds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(pricePerCall, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(deposit, pricePerCall);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutSeconds, 1);
        var channel = new PaymentChannel(channelId, clientAccountId, deposit, pricePerCall, 0, 0, 0, false);
        return (channel, new TransferRequest(channel.PendingId, clientAccountId, Escrow, deposit, TransferCodes.InferencePayment,
            TransferKind.Pending, TimeoutSeconds: timeoutSeconds, Reference: channelId));
    }

    /// <summary>The channel after one more answered call; null when the deposit cannot pay for it (or it is closed).</summary>
    public static PaymentChannel? Draw(PaymentChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Closed || channel.Available < channel.PricePerCall ? null : channel with { Drawn = channel.Drawn + channel.PricePerCall };
    }

    /// <summary>
    /// The linked batch that settles what was drawn since the last settlement, and the channel after it. With
    /// <paramref name="closing"/> nothing is locked again (the rest of the deposit goes back to the client). Empty when
    /// there is nothing to do (nothing drawn and not closing).
    /// </summary>
    public static (PaymentChannel Channel, IReadOnlyList<TransferRequest> Batch) Settle(PaymentChannel channel, RevenueRecipients recipients, bool closing, int timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(recipients);
        if (channel.Closed || (channel.Drawn == channel.Settled && !closing))
        {
            return (channel, []);
        }
        var amount = channel.Drawn - channel.Settled;
        var batch = new List<TransferRequest>();
        var id = channel.PendingId;
        // Posting 0 would mean "the full amount" to the ledger: with nothing drawn, the pending transfer is voided instead.
        batch.Add(amount > 0
            ? new TransferRequest(id + ":post", "", "", amount, TransferCodes.InferencePayment, TransferKind.Post, id, Reference: channel.ChannelId)
            : new TransferRequest(id + ":void", "", "", 0, TransferCodes.InferencePayment, TransferKind.Void, id, Reference: channel.ChannelId));
        var next = channel with { Settled = channel.Drawn, Closed = closing };
        if (!closing && channel.Available > 0)
        {
            next = next with { Segment = channel.Segment + 1 };
            batch.Add(new TransferRequest(next.PendingId, channel.ClientAccountId, Escrow, channel.Available, TransferCodes.InferencePayment,
                TransferKind.Pending, TimeoutSeconds: timeoutSeconds, Reference: channel.ChannelId));
        }
        batch.AddRange(Split(amount, recipients).Select((leg, i) =>
            new TransferRequest($"{id}:split:{i}", Escrow, leg.AccountId, leg.Amount, leg.Code, Reference: channel.ChannelId)));
        return (next, batch);
    }

    /// <summary>
    /// 40 % to data contributors, 30 % to relays, 20 % to trainers, each share apportioned by weight (largest remainder),
    /// 10 % and every share without recipients to the treasury; the legs sum to <paramref name="amount"/> exactly.
    /// </summary>
    public static IReadOnlyList<SplitLeg> Split(long amount, RevenueRecipients recipients)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        ArgumentNullException.ThrowIfNull(recipients);
        var legs = new List<SplitLeg>();
        var paid = 0L;
        foreach (var (group, percent, code) in new[] { (recipients.DataContributors, 40, TransferCodes.RevenueData), (recipients.Relays, 30, TransferCodes.RevenueRelay), (recipients.Trainers, 20, TransferCodes.RevenueTrainer) })
        {
            if (group.Count == 0)
            {
                continue;
            }
            var share = (long)((Int128)amount * percent / 100);
            foreach (var (account, part) in TokenEconomics.Apportion(share, group))
            {
                legs.Add(new SplitLeg(account, code, part));
                paid += part;
            }
        }
        legs.Add(new SplitLeg(SystemAccounts.Treasury, TransferCodes.RevenueTreasury, amount - paid));
        return [.. legs.Where(l => l.Amount > 0)];
    }
}
