using System.Diagnostics;
using Npgsql;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>Scratch databases and PostgreSQL tools for benchmarks.</summary>
internal static class BenchDatabase
{
    public static string ResolveConnectionString(string? given)
    {
        if (!string.IsNullOrWhiteSpace(given))
        {
            return given;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("GORELAY_CONNECTION");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, ".data", "connection-string");
            if (File.Exists(file))
            {
                return File.ReadAllText(file).Trim();
            }
        }

        throw new CommandFailedException("No PostgreSQL: pass --connection, set GORELAY_CONNECTION, or run ./run.sh once to create .data/.");
    }

    /// <summary>Drops and creates a database on the same server; returns its connection string.</summary>
    public static async Task<string> RecreateAsync(string connectionString, string name)
    {
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", $"CREATE DATABASE {name}" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    public static string FindPostgresTool(string name)
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", name))
            : [];
        return candidates.FirstOrDefault(File.Exists) ?? name;
    }

    public static async Task<string> RunToolAsync(string tool, NpgsqlConnectionStringBuilder target, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PGHOST"] = target.Host;
        info.Environment["PGPORT"] = target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PGUSER"] = target.Username;
        info.Environment["PGPASSWORD"] = target.Password;
        info.Environment["PGDATABASE"] = target.Database;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        return process.ExitCode == 0 ? output : throw new CommandFailedException($"{tool} failed ({process.ExitCode}): {output}");
    }
}
