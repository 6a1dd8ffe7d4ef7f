namespace OrleansGoRelay.Contracts.Relays;

/// <summary>
/// What a relay earned against what it staked and deposited, from its ledger transfers
/// (<c>GET /api/v1/relays/{relayId}/economics</c>). Amounts are integer base units (1 MCP = 1,000,000,000).
/// </summary>
/// <param name="RelayId">The relay.</param>
/// <param name="Accounts">The relay's ledger accounts and their balances now.</param>
/// <param name="Totals">Every category, all time (zeros included, so a chart has stable keys).</param>
/// <param name="Earned">The sum of the earned categories.</param>
/// <param name="Spent">The sum of the spent categories (stamp deposits and the net stake).</param>
/// <param name="Net">Earned minus spent.</param>
/// <param name="RoiBasisPoints">Net per spent in basis points (10,000 = 100 %), rounded toward zero; null when nothing was spent.</param>
/// <param name="Deposits">The stamp deposits: paid, returned, forfeited at burns, still in escrow.</param>
/// <param name="Bucket">The series' bucket width.</param>
/// <param name="Series">The last buckets up to now, oldest first, empty ones included.</param>
/// <param name="Advice">The batch optimiser's advice on the relay's pending consensus games.</param>
/// <param name="At">When it was computed.</param>
public sealed record RelayEconomics(
    string RelayId,
    IReadOnlyList<RelayAccountBalance> Accounts,
    IReadOnlyList<EconomicsTotal> Totals,
    long Earned,
    long Spent,
    long Net,
    long? RoiBasisPoints,
    StampDepositSummary Deposits,
    EconomicsBucket Bucket,
    IReadOnlyList<EconomicsBucketRow> Series,
    StampBatchAdvice Advice,
    DateTimeOffset At);

/// <summary>One of the relay's ledger accounts.</summary>
/// <param name="AccountId">The account (<c>relay:R</c> wallet, <c>stake:R</c> stake escrow, <c>trainer:R</c> training rewards).</param>
/// <param name="Role">What it is to the relay.</param>
/// <param name="Balance">Credits posted minus debits posted now (0 for an account not yet created).</param>
public sealed record RelayAccountBalance(string AccountId, RelayAccountRole Role, long Balance);

/// <summary>What an account is to its relay.</summary>
public enum RelayAccountRole
{
    /// <summary><c>relay:R</c>: subsidies, revenue shares, deposits out and back.</summary>
    Wallet,
    /// <summary><c>stake:R</c>: the federated-learning stake.</summary>
    Stake,
    /// <summary><c>trainer:R</c>: round rewards and the trainers' revenue share.</summary>
    Trainer,
}

/// <summary>Why tokens moved to or from a relay's accounts.</summary>
public enum EconomicsCategory
{
    /// <summary>Code 41: a stamp batch created at least 10 stamps.</summary>
    SubsidyHighQualityData,
    /// <summary>Code 42: a submitted model beat the thresholds.</summary>
    SubsidyModelImprovement,
    /// <summary>Code 43: the relay took part on a day.</summary>
    SubsidyConsistentParticipation,
    /// <summary>Code 20: the data contributors' 40 % of inference revenue (the relay's stamps trained the model).</summary>
    RevenueDataShare,
    /// <summary>Code 21: the relay maintainers' 30 % (the relay carried the games).</summary>
    RevenueRelayShare,
    /// <summary>Code 22: the trainers' 20 % (the relay trained the model).</summary>
    RevenueTrainerShare,
    /// <summary>Codes 30 and 31: a federated round's or training session's rewards.</summary>
    TrainingReward,
    /// <summary>Code 51: the returned part of a burned stamp's deposit.</summary>
    DepositReturned,
    /// <summary>Code 50: a stamp's deposit into escrow.</summary>
    StampDeposit,
    /// <summary>Codes 70 and 71: tokens locked in the stake less tokens released (negative where more was released).</summary>
    Stake,
    /// <summary>Any other credit from outside the relay's accounts (funding, payments): neither earned nor spent.</summary>
    OtherIn,
    /// <summary>Any other debit to outside the relay's accounts: neither earned nor spent.</summary>
    OtherOut,
}

/// <summary>Which side of the books a category is on.</summary>
public enum EconomicsSide
{
    /// <summary>Counts toward <see cref="RelayEconomics.Earned"/>.</summary>
    Earned,
    /// <summary>Counts toward <see cref="RelayEconomics.Spent"/>.</summary>
    Spent,
    /// <summary>Counts toward neither (funding and other payments).</summary>
    Other,
}

/// <summary>A category's all-time total.</summary>
/// <param name="Category">The category.</param>
/// <param name="Side">Earned, spent or other.</param>
/// <param name="Amount">The sum (stake: locks minus releases).</param>
/// <param name="Transfers">How many transfers it sums.</param>
public sealed record EconomicsTotal(EconomicsCategory Category, EconomicsSide Side, long Amount, int Transfers);

/// <summary>The relay's stamp deposits.</summary>
/// <param name="Paid">Deposited into escrow (code 50).</param>
/// <param name="Returned">Returned at burns (code 51).</param>
/// <param name="Forfeited">Kept by the treasury at burns (code 52 on the relay's stamps).</param>
/// <param name="InEscrow">Paid less returned less forfeited: what later burns may still return.</param>
/// <param name="Stamps">Stamps deposited for.</param>
public sealed record StampDepositSummary(long Paid, long Returned, long Forfeited, long InEscrow, int Stamps);

/// <summary>A series' bucket width.</summary>
public enum EconomicsBucket
{
    /// <summary>One minute.</summary>
    Minute,
    /// <summary>One hour.</summary>
    Hour,
    /// <summary>One UTC day.</summary>
    Day,
}

/// <summary>One bucket of the series.</summary>
/// <param name="Start">The bucket's start (UTC, aligned to its width).</param>
/// <param name="Earned">Earned in the bucket.</param>
/// <param name="Spent">Spent in the bucket.</param>
/// <param name="Net">Earned minus spent in the bucket.</param>
/// <param name="CumulativeNet">All-time net up to the bucket's end.</param>
/// <param name="Amounts">The non-zero categories of the bucket, by their wire names (<c>stamp_deposit</c>, ...).</param>
public sealed record EconomicsBucketRow(DateTimeOffset Start, long Earned, long Spent, long Net, long CumulativeNet, IReadOnlyDictionary<string, long> Amounts);

/// <summary>What to do with pending consensus games now.</summary>
public enum StampBatchAction
{
    /// <summary>Submit the pending games as a batch now.</summary>
    SubmitNow,
    /// <summary>Hold them: more games are expected to reach the subsidy threshold in time.</summary>
    Wait,
}

/// <summary>
/// The batch optimiser's advice: submit the pending consensus games now or wait for more, with the expected value of
/// each choice in base units over the same pending games (subsidy expected, less their deposits, less the holding cost
/// of keeping them out of training while waiting).
/// </summary>
/// <param name="Action">The choice with the higher expected value (ties: submit now).</param>
/// <param name="PendingGames">Consensus games not yet stamped (as the caller reported).</param>
/// <param name="Threshold">Stamps a batch must create to earn the HighQualityData subsidy.</param>
/// <param name="Subsidy">What that subsidy pays.</param>
/// <param name="DepositPerStamp">Each stamp's deposit.</param>
/// <param name="HoldingCostPerGameHour">The cost charged for each pending game each hour it waits.</param>
/// <param name="ConsensusGamesPerHour">The recent rate of new games, from the relay's stamps of the last day.</param>
/// <param name="WaitedSeconds">How long the oldest pending game has waited.</param>
/// <param name="MaxWaitSeconds">The bound: after this, submit whatever is pending.</param>
/// <param name="ExpectedHoursToThreshold">Hours until enough games at the recent rate; null when the rate is zero.</param>
/// <param name="ChanceToReachThresholdBasisPoints">The chance of reaching the threshold before the bound, in basis points.</param>
/// <param name="SubmitNow">The expected value of submitting now.</param>
/// <param name="Wait">The expected value of waiting (up to the bound).</param>
/// <param name="Reasons">Why, in words.</param>
public sealed record StampBatchAdvice(
    StampBatchAction Action,
    int PendingGames,
    int Threshold,
    long Subsidy,
    long DepositPerStamp,
    long HoldingCostPerGameHour,
    double ConsensusGamesPerHour,
    long WaitedSeconds,
    long MaxWaitSeconds,
    double? ExpectedHoursToThreshold,
    int ChanceToReachThresholdBasisPoints,
    long SubmitNow,
    long Wait,
    IReadOnlyList<string> Reasons);
