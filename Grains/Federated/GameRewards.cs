using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Grains.Marketplace;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// Pays the players of consensus games, in two settlements so nothing is guessed: when the game is stamped, base ×
/// (rarity × 1.5 + clarity × 1.2), one linked batch <c>game-reward:{gameId}</c>; once a round has trained on it, base ×
/// modelImpact × 3.0, batch <c>game-impact:{gameId}</c>. Base: 10 MCP teaching, 5 MCP dogfight, nothing for a standard
/// game (<see cref="OrleansGoRelay.Ledger.Economics.TokenEconomics.GameReward"/>). Rarity is measured against a corpus (the configured reference
/// collections, then every stamped game as it is stamped); clarity is the classifier's confidence in the class.
/// </summary>
public sealed partial class GameRewards(IGrainFactory grains, IClusterEventLog events, IOptions<FederatedOptions> options, ILogger<GameRewards> logger)
{
    private readonly Lazy<GameRarityIndex> _rarity = new(() => BuildCorpus(options.Value, logger));

    /// <summary>The record of a game's SGF (its first tree).</summary>
    public static GameRecord Record(string sgf) => GameImporter.Import(SgfParser.Parse(sgf)[0]);

    /// <summary>Pays the stamping settlement of a consensus game (idempotent); returns what was paid.</summary>
    public async Task<long> PayStampingAsync(string gameId, string blackPlayer, string whitePlayer, GameClass gameClass, int clarityBp, string sgf)
    {
        var record = Record(sgf);
        var index = _rarity.Value;
        // Rarity against the corpus before this game joins it, so a game is not measured against itself.
        var rarityBp = index.RarityBp(record);
        index.Add(record);
        return await ReportAsync($"game-reward:{gameId}", "game", gameId,
            await Ledger.RewardGame(new GameRewardRequest(gameId, blackPlayer, whitePlayer, gameClass, rarityBp, clarityBp, 0)));
    }

    /// <summary>Pays the model-impact settlement of a game a round trained on (idempotent); returns what was paid.</summary>
    public async Task<long> PayImpactAsync(string gameId, string blackPlayer, string whitePlayer, GameClass gameClass, int modelImpactBp) =>
        await ReportAsync($"game-impact:{gameId}", "game_impact", gameId,
            await Ledger.RewardGameImpact(new GameRewardRequest(gameId, blackPlayer, whitePlayer, gameClass, 0, 0, modelImpactBp)));

    private IMarketplaceGrain Ledger => grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);

    /// <summary>The event for a paid reward; a reward the pool could not cover stays unpaid (its ids' outcome is fixed) and is logged.</summary>
    private async Task<long> ReportAsync(string occasion, string kind, string gameId, IReadOnlyList<TransferOutcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            return 0;
        }
        if (outcomes.FirstOrDefault(o => !o.Applied) is { } failed)
        {
            LogUnpaid(logger, occasion, LedgerNames.Of(failed.Result));
            return 0;
        }
        var recipients = outcomes.Where(o => o.Transfer is not null).ToDictionary(o => o.Transfer!.CreditAccountId, o => o.Transfer!.Amount, StringComparer.Ordinal);
        await events.AppendAsync(ClusterEventType.RewardsDistributed, gameId,
            new RewardsDistributed(occasion, kind, recipients.Values.Sum(), recipients), "rewards_distributed:" + occasion);
        return recipients.Values.Sum();
    }

    private static GameRarityIndex BuildCorpus(FederatedOptions settings, ILogger logger)
    {
        var files = settings.RarityCorpus.Where(File.Exists).ToList();
        var games = files.Count == 0 ? [] : files.SelectMany(f => GameImporter.ReadFile(f)).Select(r => r.Game).OfType<GameRecord>().Take(settings.RarityCorpusGames).ToList();
        LogCorpus(logger, games.Count, files.Count);
        return GameRarityIndex.Build(games);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reward {Occasion} not paid: {Result}")]
    private static partial void LogUnpaid(ILogger logger, string occasion, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game rarity corpus: {Games} games from {Files} files")]
    private static partial void LogCorpus(ILogger logger, int games, int files);
}
