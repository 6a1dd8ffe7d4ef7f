using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace OrleansGoRelay.Persistence.GrainStorage;

/// <summary>
/// Settings of one <see cref="GroupCommitGrainStorage"/> provider (named options, keyed by the provider name).
/// </summary>
/// <remarks>
/// Where the provider gets its database, first match wins: <see cref="DataSource"/>; a data source it builds and owns
/// from <see cref="ConnectionString"/>; the keyed <see cref="NpgsqlDataSource"/> service registered under
/// <see cref="DataSourceServiceKey"/>; the one unkeyed <see cref="NpgsqlDataSource"/> singleton in DI.
/// </remarks>
public sealed class GroupCommitGrainStorageOptions
{
    /// <summary>The most writes that travel in one statement and one commit.</summary>
    public const int DefaultMaxBatchSize = 512;

    /// <summary>How many batches may be in flight at once by default.</summary>
    public const int DefaultFlusherCount = 2;

    /// <summary>A data source to use as is; the provider does not dispose it.</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>A connection string from which the provider builds its own data source (and disposes it when it stops).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The key of a keyed <see cref="NpgsqlDataSource"/> service to use, when neither <see cref="DataSource"/> nor <see cref="ConnectionString"/> is set.</summary>
    public object? DataSourceServiceKey { get; set; }

    /// <summary>
    /// How states become JSON. Default: <see cref="CreateDefaultJsonSerializerOptions"/>. Whatever is set, no .NET type
    /// names are written unless these options ask for them (e.g. through <c>[JsonPolymorphic]</c> discriminators).
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = CreateDefaultJsonSerializerOptions();

    /// <summary>The most writes that travel in one statement and one commit (one WAL flush).</summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>How many flush loops run, i.e. how many batches may be committing at once.</summary>
    public int FlusherCount { get; set; } = DefaultFlusherCount;

    /// <summary>
    /// The silo lifecycle stage at which the provider stops (after draining its queue). The default,
    /// <see cref="ServiceLifecycleStage.ApplicationServices"/>, stops after grains have deactivated,
    /// so writes made on deactivation still land.
    /// </summary>
    public int LifecycleStage { get; set; } = ServiceLifecycleStage.ApplicationServices;

    /// <summary>The default JSON: web defaults (camelCase, case-insensitive reading) with enums as strings.</summary>
    public static JsonSerializerOptions CreateDefaultJsonSerializerOptions() =>
        new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal void Validate(string providerName)
    {
        if (MaxBatchSize < 1)
        {
            throw new OrleansConfigurationException($"Grain storage '{providerName}': {nameof(MaxBatchSize)} must be at least 1, not {MaxBatchSize}.");
        }

        if (FlusherCount < 1)
        {
            throw new OrleansConfigurationException($"Grain storage '{providerName}': {nameof(FlusherCount)} must be at least 1, not {FlusherCount}.");
        }

        if (JsonSerializerOptions is null)
        {
            throw new OrleansConfigurationException($"Grain storage '{providerName}': {nameof(JsonSerializerOptions)} must be set.");
        }
    }
}
