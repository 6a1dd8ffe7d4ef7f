namespace OrleansGoRelay.Ledger;

/// <summary>The accounts every ledger starts with (created by migration 0002), and how participants' accounts are named.</summary>
public static class SystemAccounts
{
    /// <summary>Issues tokens; the only account allowed to go negative.</summary>
    public const string Treasury = "treasury";

    /// <summary>Pays game rewards.</summary>
    public const string RewardPool = "reward-pool";

    /// <summary>Pays relay subsidies.</summary>
    public const string SubsidyPool = "subsidy-pool";

    /// <summary>Holds training-stamp deposits.</summary>
    public const string StampEscrow = "stamp-escrow";

    /// <summary>The system accounts as created.</summary>
    public static IReadOnlyList<AccountSpec> All { get; } =
    [
        new(Treasury, AccountKind.Treasury, BalanceRules.None),
        new(RewardPool, AccountKind.RewardPool, BalanceRules.DebitsMustNotExceedCredits),
        new(SubsidyPool, AccountKind.SubsidyPool, BalanceRules.DebitsMustNotExceedCredits),
        new(StampEscrow, AccountKind.DepositEscrow, BalanceRules.DebitsMustNotExceedCredits),
    ];

    /// <summary>A player's wallet.</summary>
    public static string Player(string playerId) => "player:" + playerId;

    /// <summary>A relay operator's wallet.</summary>
    public static string Relay(string relayId) => "relay:" + relayId;

    /// <summary>A trainer's wallet.</summary>
    public static string Trainer(string trainerId) => "trainer:" + trainerId;

    /// <summary>A relay's federated-learning stake: an escrow only the relay's signed stake requests move.</summary>
    public static string Stake(string relayId) => "stake:" + relayId;

    /// <summary>A participant's wallet spec: it may not overdraw.</summary>
    public static AccountSpec Wallet(string accountId, AccountKind kind) => new(accountId, kind, BalanceRules.DebitsMustNotExceedCredits);
}
