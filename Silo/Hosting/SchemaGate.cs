using Npgsql;
using OrleansGoRelay.Grains.Hosting;
using OrleansGoRelay.Persistence.Migrations;

namespace OrleansGoRelay.Silo.Hosting;

/// <summary>
/// The first step of the silo's start: the ADO.NET providers read their queries from the schema, so nothing of
/// Orleans starts before db/migrations is applied (under the runner's advisory lock, when this silo applies them) or,
/// with <see cref="SiloSettings.ApplyMigrations"/> off, found applied by someone else. While PostgreSQL is unreachable
/// or the schema is behind it waits, saying so once; the gateway meanwhile answers <c>/health/live</c>, and
/// <c>/health/ready</c> stays 503 until the silo is active.
/// </summary>
internal sealed partial class SchemaGate(NpgsqlDataSource database, SiloSettings settings, ILoggerFactory loggers) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = loggers.CreateLogger<SchemaGate>();

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SchemaGate), ServiceLifecycleStage.First, WaitForSchemaAsync);
    }

    private async Task WaitForSchemaAsync(CancellationToken cancellationToken)
    {
        var runner = new MigrationRunner(database, loggers.CreateLogger<MigrationRunner>());
        string? waitingFor = null;
        while (true)
        {
            try
            {
                if (settings.ApplyMigrations)
                {
                    var applied = await runner.ApplyAsync(GrainsSchema.Migrations, cancellationToken).ConfigureAwait(false);
                    LogUpToDate(_logger, GrainsSchema.Migrations.Count, applied);
                    return;
                }
                if (await runner.IsUpToDateAsync(GrainsSchema.Migrations, cancellationToken).ConfigureAwait(false))
                {
                    LogUpToDate(_logger, GrainsSchema.Migrations.Count, 0);
                    return;
                }
                waitingFor ??= Report("the schema to be migrated (Orleans:ApplyMigrations is off on this silo)");
            }
            catch (Exception e) when (e is NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: System.Net.Sockets.SocketException } or TimeoutException)
            {
                waitingFor ??= Report("PostgreSQL: " + e.Message);
            }
            await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private string Report(string what)
    {
        LogWaiting(_logger, what);
        return what;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema up to date: {Total} migrations, {Applied} applied now")]
    private static partial void LogUpToDate(ILogger logger, int total, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The silo waits for {What}")]
    private static partial void LogWaiting(ILogger logger, string what);
}
