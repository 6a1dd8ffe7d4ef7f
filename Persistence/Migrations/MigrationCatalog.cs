using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace OrleansGoRelay.Persistence.Migrations;

/// <summary>Finds migrations: SQL files named <c>NNNN_description.sql</c>, returned in version order.</summary>
public static partial class MigrationCatalog
{
    private const string ResourcePrefix = "migrations/";

    /// <summary>
    /// Reads the migrations embedded in an assembly under <c>migrations/</c>, e.g. with
    /// <c>&lt;EmbeddedResource Include="..\db\migrations\*.sql" LogicalName="migrations/%(Filename)%(Extension)" /&gt;</c>.
    /// </summary>
    public static IReadOnlyList<Migration> FromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(Parse(resource[ResourcePrefix.Length..], reader.ReadToEnd()));
        }

        return Ordered(migrations);
    }

    /// <summary>Reads the <c>*.sql</c> migrations in a folder (e.g. the repository's <c>db/migrations</c>).</summary>
    public static IReadOnlyList<Migration> FromDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return Ordered([.. Directory.EnumerateFiles(directory, "*.sql").Select(path => Parse(Path.GetFileName(path), File.ReadAllText(path)))]);
    }

    private static Migration Parse(string fileName, string sql)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Migration file '{fileName}' must be named NNNN_description.sql.");
        }

        return new Migration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, sql);
    }

    private static List<Migration> Ordered(List<Migration> migrations)
    {
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations have version {duplicate.Key}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex FileNamePattern();
}
