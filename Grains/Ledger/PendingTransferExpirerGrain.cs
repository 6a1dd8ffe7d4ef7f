using Microsoft.Extensions.Logging;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Ledger;

/// <summary>
/// Releases pending transfers whose timeout has passed (each as an <c>expire</c> entry in the chain), every
/// <see cref="Interval"/>. A cluster singleton grain; a post or void that arrives after the timeout is refused as
/// expired even before this has run, so a pause while it moves between silos changes no outcome.
/// </summary>
[GrainType("ledger-pending-expirer")]
public sealed partial class PendingTransferExpirerGrain(ILedgerStore ledger, ILocalSiloDetails silo, ILogger<PendingTransferExpirerGrain> logger) : Grain, IPendingTransferExpirerGrain
{
    /// <summary>How often expired pending transfers are released.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    private const int BatchSize = 1000;

    private DateTimeOffset _activatedAt;
    private DateTimeOffset? _lastRunAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = DateTimeOffset.UtcNow;
        this.RegisterGrainTimer(ExpireAsync, new GrainTimerCreationOptions(Interval, Interval) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task EnsureRunning() => Task.CompletedTask;

    public Task<SingletonStatus> Status() => Task.FromResult(new SingletonStatus("ledger-pending-expirer", silo.SiloAddress.ToParsableString(), _activatedAt, _lastRunAt));

    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await ledger.ExpirePendingAsync(BatchSize, cancellationToken) == BatchSize)
            {
            }
            _lastRunAt = DateTimeOffset.UtcNow;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogExpiryFailed(logger, e, Interval);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiring pending transfers failed; retrying in {Interval}")]
    private static partial void LogExpiryFailed(ILogger logger, Exception exception, TimeSpan interval);
}
