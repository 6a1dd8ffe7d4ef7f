using Npgsql;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>Where the test run finds the repository and the local PostgreSQL that ./test.sh started.</summary>
public static class TestEnvironment
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The connection string of the setup's PostgreSQL (env GORELAY_TEST_POSTGRES, else .data/connection-string).</summary>
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

/// <summary>A fresh, empty database for one test class, dropped afterwards.</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public string Name { get; } = $"gorelay_test_{Guid.NewGuid():N}"[..40];

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(AdminConnectionString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = Name, MaxPoolSize = 30 }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString());
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static string AdminConnectionString() =>
        new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
}
