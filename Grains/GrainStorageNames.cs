namespace OrleansGoRelay.Grains;

/// <summary>The grain storage providers the product's grains name.</summary>
public static class GrainStorageNames
{
    /// <summary>
    /// Low-rate state (a few writes a minute cluster-wide): Orleans' ADO.NET provider on PostgreSQL. Everything else
    /// uses the default provider, the group-committing PostgreSQL writer.
    /// </summary>
    public const string LowRate = "adonet";
}
