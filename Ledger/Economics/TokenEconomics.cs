using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Ledger.Economics;

/// <summary>
/// The design's token economics in integer arithmetic. Rounding rule, everywhere: shares are computed in base units
/// and rounded down; what rounding leaves over goes where each rule says (the treasury for revenue splits; by
/// largest remainder, ties to the lower account id, for proportional pools), so every split sums exactly to its
/// amount. Fractions (rarity, clarity, model impact, quality, uptime) are basis points: 10,000 = 1.0.
/// </summary>
public static class TokenEconomics
{
    /// <summary>One in basis points.</summary>
    public const int One = 10_000;

    /// <summary>Base reward of a teaching game.</summary>
    public static readonly long TeachingBase = Mcp.Of(10);

    /// <summary>Base reward of a dogfight.</summary>
    public static readonly long DogfightBase = Mcp.Of(5);

    /// <summary>
    /// A game's reward to each player: base × (rarity×1.5 + clarity×1.2 + modelImpact×3.0), rounded down; standard games earn nothing.
    /// </summary>
    public static long GameReward(GameClass gameClass, int rarityBp, int clarityBp, int modelImpactBp)
    {
        var baseReward = gameClass switch
        {
            GameClass.Teaching => TeachingBase,
            GameClass.Dogfight => DogfightBase,
            _ => 0,
        };
        // Weights ×10 keep them integers: 1.5 → 15, 1.2 → 12, 3.0 → 30; hence the divisor One × 10.
        var weighted = (Int128)(15L * Clamp(rarityBp) + 12L * Clamp(clarityBp) + 30L * Clamp(modelImpactBp));
        return (long)(baseReward * weighted / (One * 10L));
    }

    /// <summary>
    /// Splits an API payment: 40 % data contributors, 30 % relay maintainers, 20 % model trainers, 10 % treasury.
    /// Each share is rounded down and divided equally (rounded down) among its recipients; every remainder, and the
    /// share of a group with no recipients, goes to the treasury. Returns (account, code, amount) legs, zero legs omitted.
    /// </summary>
    public static IReadOnlyList<SplitLeg> RevenueSplit(long amount, IReadOnlyList<string> dataContributors, IReadOnlyList<string> relays, IReadOnlyList<string> trainers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        ArgumentNullException.ThrowIfNull(dataContributors);
        ArgumentNullException.ThrowIfNull(relays);
        ArgumentNullException.ThrowIfNull(trainers);
        var legs = new List<SplitLeg>();
        var paid = 0L;
        foreach (var (recipients, percent, code) in new[] { (dataContributors, 40, TransferCodes.RevenueData), (relays, 30, TransferCodes.RevenueRelay), (trainers, 20, TransferCodes.RevenueTrainer) })
        {
            var distinct = recipients.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (distinct.Count == 0)
            {
                continue;
            }

            var each = (long)((Int128)amount * percent / 100 / distinct.Count);
            if (each == 0)
            {
                continue;
            }

            legs.AddRange(distinct.Select(r => new SplitLeg(r, code, each)));
            paid += each * distinct.Count;
        }

        legs.Add(new SplitLeg(SystemAccounts.Treasury, TransferCodes.RevenueTreasury, amount - paid));
        return [.. legs.Where(l => l.Amount > 0)];
    }

    /// <summary>
    /// A contributor's score in points (0–11,000): 40 % compute time, 30 % gradient quality, 20 % data transmitted,
    /// 10 % uptime, compute and data relative to the session's largest; ×1.1 when gradient quality is above 90 %.
    /// </summary>
    public static long ContributionScore(Contribution c, long maxComputeSeconds, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(c);
        var compute = maxComputeSeconds > 0 ? 4_000L * c.ComputeSeconds / maxComputeSeconds : 0;
        var data = maxBytes > 0 ? 2_000L * c.BytesTransmitted / maxBytes : 0;
        var score = compute + (3L * Clamp(c.GradientQualityBp) / 10) + data + (Clamp(c.UptimeBp) / 10);
        return c.GradientQualityBp > 9_000 ? score * 11 / 10 : score;
    }

    /// <summary>
    /// Shares a training session's pool: 80 % in proportion to score, 20 % equally to the <paramref name="topCount"/>
    /// best scores (ties to the lower id); both parts by largest remainder, so the legs sum exactly to the pool.
    /// </summary>
    public static IReadOnlyList<SplitLeg> ContributionRewards(long pool, IReadOnlyList<Contribution> contributions, int topCount = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pool);
        ArgumentNullException.ThrowIfNull(contributions);
        if (contributions.Count == 0)
        {
            return [];
        }

        var maxCompute = contributions.Max(c => c.ComputeSeconds);
        var maxBytes = contributions.Max(c => c.BytesTransmitted);
        var scored = contributions.Select(c => (c.AccountId, Score: ContributionScore(c, maxCompute, maxBytes))).OrderBy(s => s.AccountId, StringComparer.Ordinal).ToList();
        var proportional = (long)((Int128)pool * 80 / 100);
        var bonus = pool - proportional;
        var top = scored.OrderByDescending(s => s.Score).ThenBy(s => s.AccountId, StringComparer.Ordinal).Take(topCount).Select(s => s.AccountId).ToHashSet(StringComparer.Ordinal);

        var shares = Apportion(proportional, scored.Select(s => (s.AccountId, s.Score)).ToList());
        var bonuses = Apportion(bonus, scored.Where(s => top.Contains(s.AccountId)).Select(s => (s.AccountId, 1L)).ToList());
        return
        [
            .. shares.Where(s => s.Amount > 0).Select(s => new SplitLeg(s.AccountId, TransferCodes.ContributionReward, s.Amount)),
            .. bonuses.Where(s => s.Amount > 0).Select(s => new SplitLeg(s.AccountId, TransferCodes.ContributionBonus, s.Amount)),
        ];
    }

    /// <summary>
    /// Largest-remainder (Hamilton) apportionment of <paramref name="amount"/> by weight: each gets its rounded-down
    /// share, then the leftover units go one each to the largest remainders (ties to the lower id). With all weights
    /// zero, the amount is shared equally.
    /// </summary>
    public static IReadOnlyList<(string AccountId, long Amount)> Apportion(long amount, IReadOnlyList<(string AccountId, long Weight)> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0)
        {
            return [];
        }

        var list = weights.All(w => w.Weight == 0) ? weights.Select(w => (w.AccountId, Weight: 1L)).ToList() : [.. weights];
        Int128 total = 0;
        foreach (var w in list)
        {
            total += w.Weight;
        }

        var shares = list.Select(w =>
        {
            var exact = (Int128)amount * w.Weight;
            return (w.AccountId, Floor: (long)(exact / total), Remainder: exact % total);
        }).ToList();
        var leftover = amount - shares.Sum(s => s.Floor);
        var extra = shares.OrderByDescending(s => s.Remainder).ThenBy(s => s.AccountId, StringComparer.Ordinal).Take((int)leftover).Select(s => s.AccountId).ToHashSet(StringComparer.Ordinal);
        return [.. shares.Select(s => (s.AccountId, s.Floor + (extra.Contains(s.AccountId) ? 1 : 0)))];
    }

    private static int Clamp(int basisPoints) => Math.Clamp(basisPoints, 0, One);
}

/// <summary>One leg of a split: who receives how much, under which transfer code.</summary>
public sealed record SplitLeg(string AccountId, int Code, long Amount);

/// <summary>What one participant contributed to a training session.</summary>
/// <param name="AccountId">The contributor's ledger account.</param>
/// <param name="ComputeSeconds">Compute time spent training.</param>
/// <param name="GradientQualityBp">Gradient quality in basis points (10,000 = 100 %).</param>
/// <param name="BytesTransmitted">Data transmitted for the session.</param>
/// <param name="UptimeBp">Uptime during the session in basis points.</param>
public sealed record Contribution(string AccountId, long ComputeSeconds, int GradientQualityBp, long BytesTransmitted, int UptimeBp);

/// <summary>Why a relay is paid from the subsidy pool.</summary>
public enum SubsidyReason
{
    /// <summary>A stamp batch created at least 10 stamps: 0.1 MCP.</summary>
    HighQualityData,
    /// <summary>A submitted model has win rate above 60 and prediction accuracy above 70: 0.5 MCP.</summary>
    ModelImprovement,
    /// <summary>The relay took part on a day (once per UTC day): 0.05 MCP.</summary>
    ConsistentParticipation,
}

/// <summary>The subsidy pool's rates and rules.</summary>
public static class SubsidyRules
{
    /// <summary>The fewest stamps a batch must create to earn <see cref="SubsidyReason.HighQualityData"/>.</summary>
    public const int HighQualityBatchStamps = 10;

    /// <summary>What each reason pays.</summary>
    public static long Amount(SubsidyReason reason) => reason switch
    {
        SubsidyReason.HighQualityData => Mcp.Unit / 10,
        SubsidyReason.ModelImprovement => Mcp.Unit / 2,
        SubsidyReason.ConsistentParticipation => Mcp.Unit / 20,
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    /// <summary>The transfer code of each reason.</summary>
    public static int Code(SubsidyReason reason) => reason switch
    {
        SubsidyReason.HighQualityData => TransferCodes.SubsidyHighQualityData,
        SubsidyReason.ModelImprovement => TransferCodes.SubsidyModelImprovement,
        SubsidyReason.ConsistentParticipation => TransferCodes.SubsidyConsistentParticipation,
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    /// <summary>The transfer id of a subsidy: one per relay, reason and occasion, so each is paid at most once.</summary>
    public static string TransferId(string relayId, SubsidyReason reason, string occasion) =>
        $"subsidy:{LedgerNames.NameOf(reason)}:{relayId}:{occasion}";

    /// <summary>Whether a model's performance earns <see cref="SubsidyReason.ModelImprovement"/> (percentages).</summary>
    public static bool IsModelImprovement(double winRate, double predictionAccuracy) => winRate > 60 && predictionAccuracy > 70;
}
