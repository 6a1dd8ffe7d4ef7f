using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGoRelay.Persistence.Migrations;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Integration.Migrations;

/// <summary>Each test gets its own empty database: migration state is exactly what these tests are about.</summary>
public sealed class MigrationRunnerTests : IAsyncLifetime
{
    private readonly PostgresDatabase database = new();
    private readonly IReadOnlyList<Migration> migrations = MigrationCatalog.FromDirectory(TestEnvironment.MigrationsDirectory);

    public Task InitializeAsync() => database.InitializeAsync();

    public Task DisposeAsync() => database.DisposeAsync();

    private MigrationRunner Runner => new(database.DataSource, NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task SilosStartingTogetherApplyEachMigrationOnceAndAgainIsANoOp()
    {
        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Runner.ApplyAsync(migrations, CancellationToken.None)));

        Assert.Equal(migrations.Count, applied.Sum());
        Assert.Equal(0, await Runner.ApplyAsync(migrations, CancellationToken.None));
        Assert.True(await Runner.IsUpToDateAsync(migrations, CancellationToken.None));
        Assert.Equal(migrations.Count, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
        Assert.Equal(migrations[0].Checksum, await database.ScalarAsync<string>("SELECT checksum FROM schema_migrations WHERE version = 1"));
    }

    [Fact]
    public async Task AMigrationEditedAfterItWasAppliedIsRefused()
    {
        await Runner.ApplyAsync(migrations, CancellationToken.None);
        var edited = migrations.Select((m, i) => i == 0 ? m with { Sql = m.Sql + "\n-- edited" } : m).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner.ApplyAsync(edited, CancellationToken.None));
        Assert.Contains("0001_grain_runtime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingMigrationLeavesNothingHalfApplied()
    {
        await Runner.ApplyAsync(migrations, CancellationToken.None);
        var broken = migrations.Append(new Migration(9999, "broken", "CREATE TABLE half_done (x int); SELECT * FROM no_such_table;")).ToList();

        await Assert.ThrowsAsync<PostgresException>(() => Runner.ApplyAsync(broken, CancellationToken.None));
        Assert.Null(await database.ScalarAsync<string>("SELECT to_regclass('half_done')::text"));
        Assert.False(await Runner.IsUpToDateAsync(broken, CancellationToken.None));
    }

    [Fact]
    public async Task AnEmptyDatabaseIsNotUpToDate()
    {
        Assert.False(await Runner.IsUpToDateAsync(migrations, CancellationToken.None));
    }

    [Fact]
    public void TheRepositorysMigrationsAreNumberedWithoutGaps()
    {
        Assert.Equal(Enumerable.Range(1, migrations.Count), migrations.Select(m => m.Version));
        Assert.Equal("grain_runtime", migrations[0].Name);
    }
}
