using Microsoft.Extensions.Logging.Abstractions;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Runtime.Migrations;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Runtime;

/// <summary>Each test gets its own empty database: migration state is exactly what these tests are about.</summary>
public sealed class MigrationTests : IAsyncLifetime
{
    private readonly PostgresDatabase database = new();

    public Task InitializeAsync() => database.InitializeAsync();

    public Task DisposeAsync() => database.DisposeAsync();

    private MigrationRunner Runner => new(database.DataSource, NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task SilosStartingTogetherApplyEachMigrationOnceAndAgainIsANoOp()
    {
        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Runner.ApplyAsync(GrainsSchema.Migrations, CancellationToken.None)));

        Assert.Equal(GrainsSchema.Migrations.Count, applied.Sum());
        Assert.Equal(0, await Runner.ApplyAsync(GrainsSchema.Migrations, CancellationToken.None));
        Assert.True(await Runner.IsUpToDateAsync(GrainsSchema.Migrations, CancellationToken.None));
        Assert.Equal(GrainsSchema.Migrations.Count, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task AMigrationEditedAfterItWasAppliedIsRefused()
    {
        await Runner.ApplyAsync(GrainsSchema.Migrations, CancellationToken.None);
        var edited = GrainsSchema.Migrations.Select((m, i) => i == 0 ? m with { Sql = m.Sql + "\n-- edited" } : m).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner.ApplyAsync(edited, CancellationToken.None));
        Assert.Contains("0001_grain_runtime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingMigrationLeavesNothingHalfApplied()
    {
        await Runner.ApplyAsync(GrainsSchema.Migrations, CancellationToken.None);
        var broken = GrainsSchema.Migrations.Append(new Migration(9999, "broken", "CREATE TABLE half_done (x int); SELECT * FROM no_such_table;")).ToList();

        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Runner.ApplyAsync(broken, CancellationToken.None));
        Assert.Null(await database.ScalarAsync<string>("SELECT to_regclass('half_done')::text"));
        Assert.False(await Runner.IsUpToDateAsync(broken, CancellationToken.None));
    }

    [Fact]
    public void EmbeddedMigrationsAreNumberedWithoutGaps()
    {
        Assert.Equal(Enumerable.Range(1, GrainsSchema.Migrations.Count), GrainsSchema.Migrations.Select(m => m.Version));
    }
}
