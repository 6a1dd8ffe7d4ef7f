using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Ledger.Economics;

namespace OrleansGoRelay.Grains.Stamps;

/// <summary>
/// Stamp batches, listings, burns and models. Stateless and reentrant: the stamp store and the ledger hold
/// everything, and every money movement has a transfer id derived from what it pays for, so retries are safe.
/// </summary>
[GrainType("stamp-market")]
[StatelessWorker]
[Reentrant] // no state of its own: a slow batch must not hold up listings
public sealed class StampMarketGrain(IStampStore store, TimeProvider clock) : Grain, IStampMarketGrain
{
    /// <summary>The most games a batch, burn or model may name.</summary>
    public const int MaxItems = 10_000;

    private IMarketplaceGrain Ledger => GrainFactory.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);

    public async Task<StampBatchResult> SubmitBatch(string relayId, IReadOnlyList<StampSubmission> games)
    {
        ArgumentNullException.ThrowIfNull(games);
        RequireIds(games.Select(g => g?.GameId).ToList(), "games");
        var created = new List<string>();
        var refused = new List<StampRefusal>();
        var discarded = 0;
        foreach (var game in games)
        {
            if (!game.Consensus)
            {
                discarded++;
                continue;
            }
            try
            {
                if (await GrainFactory.GetGrain<ITrainingStampGrain>(game.GameId).Stamp(relayId) is null)
                {
                    refused.Add(new StampRefusal(game.GameId, "already_stamped"));
                }
                else
                {
                    created.Add(game.GameId);
                }
            }
            catch (RequestRefusedException e)
            {
                refused.Add(new StampRefusal(game.GameId, e.Code));
            }
        }

        var subsidies = new List<string>();
        if (created.Count >= SubsidyRules.HighQualityBatchStamps)
        {
            // The occasion is the set of stamps this batch created, so a batch is paid once however it is retried.
            var occasion = "batch-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', created.Order(StringComparer.Ordinal)))))[..24];
            await PaySubsidyAsync(relayId, SubsidyReason.HighQualityData, occasion, subsidies);
        }
        if (created.Count > 0)
        {
            var day = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            await PaySubsidyAsync(relayId, SubsidyReason.ConsistentParticipation, day, subsidies);
        }
        return new StampBatchResult(created.Count, discarded, refused, created.Count * StampRules.Deposit, subsidies);
    }

    public Task<IReadOnlyList<TrainingStamp>> StampsOf(string relayId, int page, int pageSize)
    {
        RequirePage(page, pageSize);
        return store.AccessibleAsync(relayId, (page - 1) * pageSize, pageSize);
    }

    public Task<IReadOnlyList<TrainingStamp>> BurnableStampsOf(string relayId, int page, int pageSize)
    {
        RequirePage(page, pageSize);
        return store.BurnableAsync(relayId, clock.GetUtcNow() - StampRules.MinimumBurnAge, (page - 1) * pageSize, pageSize);
    }

    public async Task<BurnResult> Burn(string relayId, IReadOnlyList<string> stampIds)
    {
        RequireIds(stampIds, "stampIds");
        var stamps = await RequireStampsAsync(stampIds);
        var now = clock.GetUtcNow();
        foreach (var stamp in stamps)
        {
            if (stamp.OwnerRelay != relayId)
            {
                throw RequestRefusedException.Forbidden("stamp_not_owned", $"Stamp '{stamp.StampId}' belongs to relay '{stamp.OwnerRelay}'.");
            }
            if (now - stamp.CreatedAt < StampRules.MinimumBurnAge)
            {
                throw RequestRefusedException.Unprocessable("stamp_too_young",
                    $"Stamp '{stamp.StampId}' was created {stamp.CreatedAt:O}; stamps can be burned after {StampRules.MinimumBurnAge.TotalDays:F0} days.");
            }
        }

        int burned = 0;
        long returned = 0, kept = 0;
        var wallet = SystemAccounts.Relay(relayId);
        foreach (var stamp in stamps.Where(s => s.Status == StampStatus.Active))
        {
            var give = StampRules.Returned(stamp.Deposit, stamp.Uses);
            var keep = stamp.Deposit - give;
            var transfers = new List<TransferRequest>();
            if (give > 0)
            {
                transfers.Add(new TransferRequest("stamp-return:" + stamp.StampId, SystemAccounts.StampEscrow, wallet, give, TransferCodes.StampDepositReturn, Reference: stamp.StampId));
            }
            if (keep > 0)
            {
                transfers.Add(new TransferRequest("stamp-burn:" + stamp.StampId, SystemAccounts.StampEscrow, SystemAccounts.Treasury, keep, TransferCodes.StampBurn, Reference: stamp.StampId));
            }
            var outcomes = await Ledger.SubmitTransfers(transfers);
            if (outcomes.FirstOrDefault(o => !o.Applied) is { } failed)
            {
                throw RequestRefusedException.Unprocessable(LedgerNames.Of(failed.Result), $"Burning stamp '{stamp.StampId}' failed: {LedgerNames.Of(failed.Result)}.");
            }
            if (await store.MarkBurnedAsync(stamp.StampId, give, now))
            {
                burned++;
                returned += give;
                kept += keep;
            }
        }
        return new BurnResult(burned, returned, kept);
    }

    public async Task<ModelSubmitted> SubmitModel(string relayId, ModelSubmission model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ModelHash is null || model.ModelHash.Length is < 16 or > 128 || !model.ModelHash.All(char.IsAsciiHexDigit))
        {
            throw RequestRefusedException.BadRequest("invalid_model_hash", "modelHash is 16 to 128 hexadecimal digits.");
        }
        if (model.Generation < 0 || model.Performance is not { } p || !InPercent(p.WinRate) || !InPercent(p.PredictionAccuracy) || !InPercent(p.StyleConsistency))
        {
            throw RequestRefusedException.BadRequest("invalid_model", "generation is not negative and performance figures are percentages (0..100).");
        }
        RequireIds(model.StampIds, "stampIds");
        var stamps = await RequireStampsAsync(model.StampIds);
        foreach (var stamp in stamps)
        {
            if (!stamp.AccessRelays.Contains(relayId))
            {
                throw RequestRefusedException.Forbidden("stamp_not_accessible", $"Relay '{relayId}' may not use stamp '{stamp.StampId}'.");
            }
            if (stamp.Status != StampStatus.Active)
            {
                throw RequestRefusedException.Unprocessable("stamp_burned", $"Stamp '{stamp.StampId}' was burned.");
            }
        }
        var hash = model.ModelHash.ToLowerInvariant();
        var stampIds = model.StampIds.Order(StringComparer.Ordinal).ToList();
        var requestHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
            [hash, model.Generation.ToString(CultureInfo.InvariantCulture), relayId, p.WinRate.ToString("R", CultureInfo.InvariantCulture),
             p.PredictionAccuracy.ToString("R", CultureInfo.InvariantCulture), p.StyleConsistency.ToString("R", CultureInfo.InvariantCulture), .. stampIds]))));
        var (stored, created) = await store.InsertModelAsync(new StoredModel(hash, model.Generation, relayId, p, requestHash, stampIds, clock.GetUtcNow()));
        if (stored.RequestHash != requestHash)
        {
            throw RequestRefusedException.Conflict("model_exists", $"Model '{hash}' was submitted with other fields.");
        }
        // Paying again is how a repeat learns the outcome: the transfer id is fixed by the model, so it pays once.
        var subsidy = SubsidyRules.IsModelImprovement(p.WinRate, p.PredictionAccuracy)
            ? LedgerNames.Of((await Ledger.PaySubsidy(relayId, SubsidyReason.ModelImprovement, hash)).Result)
            : null;
        return new ModelSubmitted(Record(stored, stamps, subsidy), created);
    }

    public async Task<ModelRecord?> GetModel(string modelHash)
    {
        var stored = await store.GetModelAsync((modelHash ?? "").ToLowerInvariant());
        if (stored is null)
        {
            return null;
        }
        // A read only looks the subsidy up; paying happens on submission.
        var outcome = await Ledger.GetTransfer(SubsidyRules.TransferId(stored.SubmittedBy, SubsidyReason.ModelImprovement, stored.ModelHash));
        var subsidy = outcome is null ? null : LedgerNames.Of(outcome.Applied ? TransferResult.Exists : outcome.Result);
        return Record(stored, await store.GetAsync(stored.StampIds.ToList()), subsidy);
    }

    private static ModelRecord Record(StoredModel stored, IReadOnlyList<TrainingStamp> stamps, string? subsidy)
    {
        var contributors = stamps
            .SelectMany(s => new[] { (Id: s.BlackRelay, Role: "relay"), (Id: s.WhiteRelay, Role: "relay"), (Id: (string?)s.BlackPlayer, Role: "player"), (Id: (string?)s.WhitePlayer, Role: "player") }
                .Where(c => c.Id is not null).Distinct())
            .GroupBy(c => (Id: c.Id!, c.Role))
            .Select(g => new ModelContributor(g.Key.Id, g.Key.Role, g.Count()))
            .OrderBy(c => c.Role, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        return new ModelRecord(stored.ModelHash, stored.Generation, stored.SubmittedBy, stored.Performance, stored.StampIds, contributors, subsidy, stored.CreatedAt);
    }

    private async Task PaySubsidyAsync(string relayId, SubsidyReason reason, string occasion, List<string> paid)
    {
        if ((await Ledger.PaySubsidy(relayId, reason, occasion)).Result == TransferResult.Created)
        {
            paid.Add(LedgerNames.NameOf(reason));
        }
    }

    private async Task<IReadOnlyList<TrainingStamp>> RequireStampsAsync(IReadOnlyList<string> stampIds)
    {
        var stamps = await store.GetAsync(stampIds.ToList());
        if (stamps.Count != stampIds.Count)
        {
            var missing = stampIds.Except(stamps.Select(s => s.StampId)).First();
            throw RequestRefusedException.NotFound("unknown_stamp", $"There is no stamp '{missing}'.");
        }
        return stamps;
    }

    private static bool InPercent(double value) => double.IsFinite(value) && value is >= 0 and <= 100;

    private static void RequirePage(int page, int pageSize)
    {
        if (page < 1 || pageSize is < 1 or > 500)
        {
            throw RequestRefusedException.BadRequest("invalid_page", "page counts from 1 and pageSize is 1 to 500.");
        }
    }

    private static void RequireIds(IReadOnlyList<string?>? ids, string name)
    {
        if (ids is null || ids.Count is 0 or > MaxItems || ids.Any(string.IsNullOrWhiteSpace) || ids.Distinct().Count() != ids.Count)
        {
            throw RequestRefusedException.BadRequest("invalid_" + name.ToLowerInvariant(), $"{name} names 1 to {MaxItems} distinct ids.");
        }
    }
}
