using System.Security.Cryptography;
using System.Text;

namespace OrleansGoRelay.Persistence.Migrations;

/// <summary>One versioned SQL migration, named <c>NNNN_description.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the SQL, recorded when applied, so an edited migration is caught rather than silently skipped.</summary>
    /// <remarks>Computed on access: a field initialiser would be copied unchanged by a <c>with</c> expression.</remarks>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>The file name it came from, e.g. <c>0001_grain_runtime</c>.</summary>
    public override string ToString() => $"{Version:D4}_{Name}";
}
