namespace OrleansGoRelay.Ledger;

/// <summary>Transfer codes: why money moved (table <c>ledger.transfer_codes</c>; analysts group flows by them).</summary>
public static class TransferCodes
{
    /// <summary>Tokens issued by the treasury.</summary>
    public const int Issuance = 1;
    /// <summary>A plain payment between accounts.</summary>
    public const int Payment = 2;
    /// <summary>Reward pool to a player for a valuable game.</summary>
    public const int GameReward = 10;
    /// <summary>Reward pool to a player for the measured effect of a game on the model it trained.</summary>
    public const int GameImpactReward = 11;
    /// <summary>API payment share: data contributors.</summary>
    public const int RevenueData = 20;
    /// <summary>API payment share: relay maintainers.</summary>
    public const int RevenueRelay = 21;
    /// <summary>API payment share: model trainers.</summary>
    public const int RevenueTrainer = 22;
    /// <summary>API payment share: the treasury, with every rounding remainder.</summary>
    public const int RevenueTreasury = 23;
    /// <summary>Training-session pool, in proportion to score.</summary>
    public const int ContributionReward = 30;
    /// <summary>Training-session bonus to the top contributors.</summary>
    public const int ContributionBonus = 31;
    /// <summary>Funding the subsidy pool.</summary>
    public const int SubsidyFunding = 40;
    /// <summary>Subsidy: a stamp batch created at least 10 stamps.</summary>
    public const int SubsidyHighQualityData = 41;
    /// <summary>Subsidy: a model beat the win-rate and accuracy thresholds.</summary>
    public const int SubsidyModelImprovement = 42;
    /// <summary>Subsidy: a relay took part on a day.</summary>
    public const int SubsidyConsistentParticipation = 43;
    /// <summary>A stamp's deposit into escrow.</summary>
    public const int StampDeposit = 50;
    /// <summary>The returned part of a burned stamp's deposit.</summary>
    public const int StampDepositReturn = 51;
    /// <summary>The kept part of a burned stamp's deposit.</summary>
    public const int StampBurn = 52;
    /// <summary>An API client paying for inference.</summary>
    public const int InferencePayment = 60;

    /// <summary>A relay moves tokens from its wallet into its federated-learning stake.</summary>
    public const int StakeLock = 70;
    /// <summary>A relay takes tokens back from its stake.</summary>
    public const int StakeRelease = 71;

    /// <summary>Every code the ledger accepts.</summary>
    public static IReadOnlySet<int> All { get; } = new HashSet<int>
    {
        Issuance, Payment, GameReward, RevenueData, RevenueRelay, RevenueTrainer, RevenueTreasury, ContributionReward,
        ContributionBonus, SubsidyFunding, SubsidyHighQualityData, SubsidyModelImprovement, SubsidyConsistentParticipation,
        StampDeposit, StampDepositReturn, StampBurn, InferencePayment, GameImpactReward, StakeLock, StakeRelease,
    };
}
