using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OrleansGoRelay.Runtime.Migrations;

namespace OrleansGoRelay.Runtime.Hosting;

/// <summary>Whether the silo's storage is usable: for PostgreSQL, reachable with every migration applied.</summary>
public interface IRuntimeReadiness
{
    /// <summary>Null when ready, otherwise why not.</summary>
    Task<string?> WhyNotReadyAsync(CancellationToken cancellationToken);
}

internal sealed class AlwaysReady : IRuntimeReadiness
{
    public Task<string?> WhyNotReadyAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

internal sealed class PostgresReadiness(PostgresSetup postgres, Microsoft.Extensions.Logging.ILogger<MigrationRunner> logger) : IRuntimeReadiness
{
    private volatile bool _migrated;

    public async Task<string?> WhyNotReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_migrated)
            {
                await using var ping = postgres.DataSource.CreateCommand("SELECT 1");
                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            _migrated = await new MigrationRunner(postgres.DataSource, logger).IsUpToDateAsync(postgres.Migrations, cancellationToken).ConfigureAwait(false);
            return _migrated ? null : "database migrations are not applied";
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return $"PostgreSQL is not reachable: {ex.Message}";
        }
    }
}

/// <summary>The readiness health check: storage ready and the silo running (not starting, not stopping).</summary>
public sealed class SiloReadinessCheck(IRuntimeReadiness readiness, SiloLifecycle lifecycle) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!lifecycle.IsRunning)
        {
            return HealthCheckResult.Unhealthy(lifecycle.StartupProblem is { } problem ? $"the silo is starting: {problem}" : "the silo is starting or stopping");
        }

        var why = await readiness.WhyNotReadyAsync(cancellationToken).ConfigureAwait(false);
        return why is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(why);
    }
}
