using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Stamps;

/// <summary>
/// One game's training stamp. The deposit transfer's id is the stamp's (<c>stamp-deposit:{game}</c>), so the ledger
/// decides which relay stamps a game: a retry by the same relay finds its deposit and finishes the stamp, and a
/// second relay's deposit is refused as a different body under the same id.
/// </summary>
[GrainType("training-stamp")]
[Reentrant] // no in-memory state: the store and the ledger's transfer id decide a stamp, so overlapping calls are safe
public sealed class TrainingStampGrain(IStampStore store, IClusterEventLog events, GameRewards rewards, TimeProvider clock) : Grain, ITrainingStampGrain
{
    public async Task<TrainingStamp?> Stamp(string relayId)
    {
        var stampId = this.GetPrimaryKeyString();
        if (await store.GetAsync([stampId]) is [var existing])
        {
            // Once each: a crash after the insert left the event and the game reward to the retry.
            await ReportAsync(existing);
            if (existing.OwnerRelay == relayId)
            {
                await RewardAsync(await GrainFactory.GetGrain<IGameGrain>(stampId).GetConsensusGame());
            }
            return null;
        }
        var game = await GrainFactory.GetGrain<IGameGrain>(stampId).GetConsensusGame();
        if (relayId != game.BlackRelay && relayId != game.WhiteRelay)
        {
            throw RequestRefusedException.Forbidden("not_your_game", $"Relay '{relayId}' did not carry game '{stampId}'.");
        }
        var ledger = GrainFactory.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        // The relay's wallet was created when it registered (a relay must be registered to carry a game).
        var wallet = SystemAccounts.Relay(relayId);
        var deposit = (await ledger.SubmitTransfers(
            [new TransferRequest("stamp-deposit:" + stampId, wallet, SystemAccounts.StampEscrow, StampRules.Deposit, TransferCodes.StampDeposit, Reference: stampId)])
            )[0];
        if (deposit.Result == TransferResult.ExistsWithDifferentFields)
        {
            return null;
        }
        if (!deposit.Applied)
        {
            throw RequestRefusedException.Unprocessable(LedgerNames.Of(deposit.Result), $"The stamp deposit could not be paid: {LedgerNames.Of(deposit.Result)}.");
        }
        var stamp = new TrainingStamp(stampId, game.GameHash, game.BlackRelay, game.WhiteRelay, relayId, game.Black, game.White, game.Result,
            game.TotalMoves, game.Class, game.Features, StampRules.Deposit, 0, StampStatus.Active, deposit.Transfer?.CreatedAt ?? clock.GetUtcNow(), null, null);
        if (!await store.InsertAsync(stamp))
        {
            return null;
        }
        await ReportAsync(stamp);
        await RewardAsync(game);
        return stamp;
    }

    /// <summary>The players' reward for a stamped game (rarity and clarity now; its model impact once a round trained on it).</summary>
    private Task<long> RewardAsync(ConsensusGame game) => rewards.PayStampingAsync(game.GameId, game.Black, game.White, game.Class, game.ClarityBp, game.Sgf);

    private Task<ClusterEvent?> ReportAsync(TrainingStamp stamp) => events.AppendAsync(ClusterEventType.GameStamped, stamp.StampId,
        new GameStamp(stamp.StampId, stamp.OwnerRelay, ApiJson.NameOf(stamp.GameClass), stamp.Deposit), "game_stamped:" + stamp.StampId);

    public async Task<TrainingStamp?> GetStamp() => await store.GetAsync([this.GetPrimaryKeyString()]) is [var stamp] ? stamp : null;
}
