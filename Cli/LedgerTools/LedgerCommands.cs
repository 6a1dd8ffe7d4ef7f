using System.CommandLine;
using System.Text.Json;
using Npgsql;
using OrleansGoRelay.Cli.Bench;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Cli.LedgerTools;

/// <summary><c>gorelay ledger verify</c>: the analyst's and auditor's check of a ledger database.</summary>
internal static class LedgerCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Command()
    {
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: env GORELAY_CONNECTION, else .data/connection-string)" };
        var verify = new Command("verify", "Recomputes the hash chain and every account's balances from the transfers; exit 1 when anything is off") { connection };
        verify.SetAction(async (parse, cancellationToken) =>
        {
            string connectionString;
            try
            {
                connectionString = BenchDatabase.ResolveConnectionString(parse.GetValue(connection));
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"gorelay ledger verify: {e.Message}");
                return 2;
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var store = new PostgresLedgerStore(dataSource, TimeProvider.System);
            LedgerVerification result;
            try
            {
                result = await store.VerifyAsync(cancellationToken);
            }
            catch (NpgsqlException e)
            {
                await Console.Error.WriteLineAsync($"gorelay ledger verify: cannot read the ledger: {e.Message}");
                return 2;
            }

            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return result.Valid ? 0 : 1;
        });
        return new Command("ledger", "Ledger tools for operators and analysts") { verify };
    }
}
