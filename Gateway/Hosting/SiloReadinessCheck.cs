using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>Ready = this silo is an active member of the cluster and PostgreSQL answers.</summary>
internal sealed class SiloReadinessCheck(ISiloStatusOracle membership, NpgsqlDataSource database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (membership.CurrentStatus != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"the silo is {membership.CurrentStatus.ToString().ToLowerInvariant()}, not active");
        }
        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer", e);
        }
    }
}
