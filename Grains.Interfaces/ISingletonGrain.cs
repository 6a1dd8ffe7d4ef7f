namespace OrleansGoRelay.Grains;

/// <summary>
/// A grain that must run continuously on exactly one silo of the cluster (Orleans keeps one activation per key).
/// Every silo's singleton keeper calls <see cref="EnsureRunning"/> every second, so after the silo hosting it dies the
/// next call, from a survivor, activates it there; while active it works from its own grain timer. Reminders are not
/// used for this because their period has a one-minute floor.
/// </summary>
public interface ISingletonGrain : IGrainWithIntegerKey
{
    /// <summary>The one key a singleton grain is addressed by.</summary>
    const long Key = 0;

    /// <summary>Activates the singleton if it is not running; otherwise does nothing.</summary>
    Task EnsureRunning();

    /// <summary>Where the singleton runs and when it last did its work.</summary>
    [AlwaysInterleave] // reads two fields; an operator's look must not wait behind a long sweep
    Task<SingletonStatus> Status();
}

/// <summary>Where a cluster singleton runs.</summary>
/// <param name="Name">The singleton.</param>
/// <param name="Silo">The silo hosting its activation (address with generation).</param>
/// <param name="ActivatedAt">When that activation started.</param>
/// <param name="LastRunAt">When it last finished a round of its work, if it has.</param>
[GenerateSerializer, Immutable, Alias("gorelay.SingletonStatus")]
public sealed record SingletonStatus(string Name, string Silo, DateTimeOffset ActivatedAt, DateTimeOffset? LastRunAt);

/// <summary>Releases pending ledger transfers whose timeout has passed; a cluster singleton.</summary>
[Alias("gorelay.IPendingTransferExpirerGrain")]
public interface IPendingTransferExpirerGrain : ISingletonGrain;
