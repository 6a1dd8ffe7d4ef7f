using System.Globalization;

namespace OrleansGoRelay.Runtime;

/// <summary>The identity of a grain: its grain type name and its key, both as text.</summary>
/// <remarks>Guid keys are written in "N" form and integer keys in invariant decimal, so one key has one spelling.</remarks>
public readonly record struct GrainId(string Type, string Key)
{
    /// <summary>Formats a Guid key.</summary>
    public static string KeyOf(Guid key) => key.ToString("N");

    /// <summary>Formats an integer key.</summary>
    public static string KeyOf(long key) => key.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";
}
