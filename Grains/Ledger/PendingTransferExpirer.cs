using Microsoft.Extensions.Logging;
using OrleansGoRelay.Runtime;

namespace OrleansGoRelay.Grains.Ledger;

/// <summary>
/// Releases pending transfers whose timeout has passed (each as an <c>expire</c> entry in the chain). One silo runs
/// it; a post or void that arrives after the timeout is refused as expired even before this has run.
/// </summary>
public sealed class PendingTransferExpirer(ILedgerStore ledger, ILogger<PendingTransferExpirer> logger) : IClusterSingleton
{
    /// <summary>How often expired pending transfers are released.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    public string Name => "ledger-pending-expirer";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                while (await ledger.ExpirePendingAsync(1000, cancellationToken).ConfigureAwait(false) == 1000)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Expiring pending transfers failed; retrying in {Interval}.", Interval);
            }
        }
    }
}
