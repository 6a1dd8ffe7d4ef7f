using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGoRelay.Persistence.Migrations;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>
/// A fresh, empty database for one test class (use as an <see cref="IClassFixture{TFixture}"/>), dropped afterwards.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    /// <summary>A unique name, so runs and classes never share a database.</summary>
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
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString());
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Applies the repository's migrations (db/migrations) up to and including <paramref name="throughVersion"/>, through the real migration runner.</summary>
    public Task<int> MigrateAsync(int throughVersion = int.MaxValue) =>
        new MigrationRunner(DataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync(
            [.. MigrationCatalog.FromDirectory(TestEnvironment.MigrationsDirectory).Where(m => m.Version <= throughVersion)],
            CancellationToken.None);

    /// <summary>Runs a query and returns its first value (default for no row or NULL). Parameters bind to $1, $2, ...; pass an array parameter as <c>(object)array</c>.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Runs a statement and returns the rows it affected. Parameters bind to $1, $2, ...; pass an array parameter as <c>(object)array</c>.</summary>
    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync();
    }

    private static string AdminConnectionString() =>
        new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
}
