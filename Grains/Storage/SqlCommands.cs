using Npgsql;

namespace OrleansGoRelay.Grains.Storage;

/// <summary>What every PostgreSQL store of the grains does the same way: positional parameters and UTC timestamps.</summary>
internal static class SqlCommands
{
    /// <summary>Adds positional parameters ($1, $2, ...) in order; null is SQL NULL.</summary>
    public static NpgsqlCommand WithValues(this NpgsqlCommand command, params object?[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        return command;
    }

    /// <summary>A <c>timestamptz</c> read as <see cref="DateTime"/> (UTC), as an offset time.</summary>
    public static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
