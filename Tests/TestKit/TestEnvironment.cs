
namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>Where the test run finds the repository and the local PostgreSQL that ./test.sh started.</summary>
public static class TestEnvironment
{
    /// <summary>The folder holding OrleansGoRelay.sln, found above the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Where tests leave what a person looks at afterwards (screenshots): beside the run's result files.</summary>
    public static string ArtifactsDirectory => Directory.CreateDirectory(Path.Combine(RepositoryRoot, ".data", "test-results", "artifacts")).FullName;

    /// <summary>The repository's SQL migrations folder.</summary>
    public static string MigrationsDirectory => Path.Combine(RepositoryRoot, "db", "migrations");

    /// <summary>The superuser connection string of the setup's PostgreSQL: env GORELAY_TEST_POSTGRES, else .data/connection-string.</summary>
    public static string PostgresConnectionString { get; } = FindConnectionString();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansGoRelay.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (OrleansGoRelay.sln) was not found above the test binaries.");
    }

    private static string FindConnectionString()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("GORELAY_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var file = Path.Combine(RepositoryRoot, ".data", "connection-string");
        return File.Exists(file)
            ? File.ReadAllText(file).Trim()
            : throw new InvalidOperationException("No PostgreSQL for the tests: run ./test.sh (it starts one) or set GORELAY_TEST_POSTGRES.");
    }
}
