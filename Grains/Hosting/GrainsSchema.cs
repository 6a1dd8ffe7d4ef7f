using OrleansGoRelay.Persistence.Migrations;

namespace OrleansGoRelay.Grains.Hosting;

/// <summary>The schema the product runs on (db/migrations, embedded in this assembly at build).</summary>
public static class GrainsSchema
{
    /// <summary>Every migration in db/migrations, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = MigrationCatalog.FromAssembly(typeof(GrainsSchema).Assembly);
}
