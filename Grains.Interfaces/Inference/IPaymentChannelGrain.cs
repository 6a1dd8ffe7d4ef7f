using OrleansGoRelay.Contracts.Inference;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>
/// One payment channel (key: the channel id): a deposit locked in a pending ledger transfer, drawn on by answered
/// calls in memory, settled into the ledger at intervals and at close (<c>PaymentChannels</c>).
/// </summary>
public interface IPaymentChannelGrain : IGrainWithStringKey
{
    /// <summary>Opens the channel for <paramref name="accountId"/> (idempotent for the same terms).</summary>
    Task<ChannelView> Open(string accountId, ChannelOpenRequest request);

    /// <summary>The channel, or null.</summary>
    Task<ChannelView?> Describe();

    /// <summary>Draws one call's price for call <paramref name="callId"/>; a call id already drawn draws nothing (returns 0). 402 <c>channel_exhausted</c> when the deposit cannot pay.</summary>
    Task<long> Charge(string accountId, string callId);

    /// <summary>Gives back the draw of a call that was not answered.</summary>
    Task Refund(string callId);

    /// <summary>Settles what was drawn and returns the rest of the deposit.</summary>
    Task<ChannelClosed> Close(string accountId);
}
