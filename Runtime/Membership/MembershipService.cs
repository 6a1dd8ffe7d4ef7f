using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Runtime.Hosting;

namespace OrleansGoRelay.Runtime.Membership;

/// <summary>
/// Keeps this silo in the silos table: heartbeats every interval and declares dead any silo that stopped. A silo
/// that finds itself declared dead stops taking calls at once and asks its host to stop: the cluster has already
/// moved its singletons elsewhere.
/// </summary>
public sealed partial class MembershipService(
    IMembershipTable table,
    SiloIdentity silo,
    IOptions<GrainRuntimeOptions> options,
    ILogger<MembershipService> logger)
{
    /// <summary>Raised once when this silo learns it was declared dead.</summary>
    internal event Action? DeclaredDead;

    internal Task JoinAsync(CancellationToken cancellationToken) => table.RegisterAsync(silo, cancellationToken);

    internal Task SetStatusAsync(SiloStatus status, CancellationToken cancellationToken) => table.SetStatusAsync(silo.SiloId, status, cancellationToken);

    internal Task RunAsync(CancellationToken stop) =>
        PeriodicLoop.RunAsync(options.Value.HeartbeatInterval, tickAtStart: false, async token =>
        {
            if (!await table.HeartbeatAsync(silo.SiloId, token).ConfigureAwait(false))
            {
                LogDeclaredDead(silo.SiloId);
                DeclaredDead?.Invoke();
                return false;
            }

            foreach (var dead in await table.DeclareDeadAsync(options.Value.DeadAfter, token).ConfigureAwait(false))
            {
                LogSiloDead(dead);
            }

            return true;
        }, LogHeartbeatFailed, stop);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {SiloId} was declared dead by the cluster; it stops taking calls and shuts down")]
    private partial void LogDeclaredDead(string siloId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {SiloId} missed its heartbeats and is now declared dead")]
    private partial void LogSiloDead(string siloId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat failed")]
    private partial void LogHeartbeatFailed(Exception ex);
}
