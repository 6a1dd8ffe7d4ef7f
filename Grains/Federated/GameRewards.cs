using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// Pays the players of consensus games, in two settlements so nothing is guessed: when the game is stamped, base ×
/// (rarity × 1.5 + clarity × 1.2), one linked batch <c>game-reward:{gameId}</c>; once a round has trained on it, base ×
/// modelImpact × 3.0, batch <c>game-impact:{gameId}</c>. Base: 10 MCP teaching, 5 MCP dogfight, nothing for a standard
/// game (<see cref="TokenEconomics.GameReward"/>). Rarity is measured against a corpus (the configured reference
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
        var amount = TokenEconomics.GameReward(gameClass, rarityBp, clarityBp, 0);
        return await PayAsync($"game-reward:{gameId}", "game", gameId, blackPlayer, whitePlayer, amount, TransferCodes.GameReward);
    }

    /// <summary>Pays the model-impact settlement of a game a round trained on (idempotent); returns what was paid.</summary>
    public Task<long> PayImpactAsync(string gameId, string blackPlayer, string whitePlayer, GameClass gameClass, int modelImpactBp) =>
        PayAsync($"game-impact:{gameId}", "game_impact", gameId, blackPlayer, whitePlayer, TokenEconomics.GameReward(gameClass, 0, 0, modelImpactBp), TransferCodes.GameImpactReward);

    private async Task<long> PayAsync(string occasion, string kind, string gameId, string blackPlayer, string whitePlayer, long amount, int code)
    {
        if (amount == 0)
        {
            return 0;
        }
        var ledger = grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        var black = SystemAccounts.Player(blackPlayer);
        var white = SystemAccounts.Player(whitePlayer);
        foreach (var wallet in new[] { black, white })
        {
            await ledger.CreateAccount(SystemAccounts.Wallet(wallet, AccountKind.Player));
        }
        var outcomes = await ledger.SubmitTransfers(
        [
            new TransferRequest($"{occasion}:black", SystemAccounts.RewardPool, black, amount, code, Reference: gameId),
            new TransferRequest($"{occasion}:white", SystemAccounts.RewardPool, white, amount, code, Reference: gameId),
        ]);
        if (outcomes.FirstOrDefault(o => !o.Applied) is { } failed)
        {
            // The pool could not cover it: the outcome of these ids is fixed, so the reward stays unpaid and is reported.
            LogUnpaid(logger, occasion, LedgerNames.Of(failed.Result));
            return 0;
        }
        await events.AppendAsync(ClusterEventType.RewardsDistributed, gameId,
            new RewardsDistributed(occasion, kind, 2 * amount, new Dictionary<string, long> { [black] = amount, [white] = amount }), "rewards_distributed:" + occasion);
        return 2 * amount;
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
