using System.Reflection;
using OrleansGoRelay.Runtime.Migrations;

namespace OrleansGoRelay.Grains;

/// <summary>The grains of this assembly and the schema they run on (db/migrations, embedded at build).</summary>
public static class GrainsSchema
{
    /// <summary>This assembly, for <c>AddGrains</c>.</summary>
    public static Assembly Assembly { get; } = typeof(GrainsSchema).Assembly;

    /// <summary>Every migration in db/migrations, in version order.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = MigrationCatalog.FromAssembly(typeof(GrainsSchema).Assembly);
}
