using System.Collections.Frozen;
using System.Text;

namespace OrleansGoRelay.Ledger;

/// <summary>The snake_case names the database, the API and analysts use for the ledger's enums ("exceeds_credits").</summary>
public static class LedgerNames
{
    /// <summary>The stored name of an account kind.</summary>
    public static string Of(AccountKind kind) => Names<AccountKind>.ToName[kind];

    /// <summary>The stored name of a transfer kind.</summary>
    public static string Of(TransferKind kind) => Names<TransferKind>.ToName[kind];

    /// <summary>The stored name of a transfer result (also the problem code the API answers with).</summary>
    public static string Of(TransferResult result) => Names<TransferResult>.ToName[result];

    /// <summary>The name of an account creation status.</summary>
    public static string Of(CreateAccountStatus status) => Names<CreateAccountStatus>.ToName[status];

    /// <summary>Parses a stored account kind.</summary>
    public static AccountKind ParseAccountKind(string name) => Names<AccountKind>.Parse(name);

    /// <summary>Parses a stored transfer kind.</summary>
    public static TransferKind ParseTransferKind(string name) => Names<TransferKind>.Parse(name);

    /// <summary>Parses a stored transfer result.</summary>
    public static TransferResult ParseResult(string name) => Names<TransferResult>.Parse(name);

    /// <summary>Parses a name of any of these enums; false when unknown.</summary>
    public static bool TryParse<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum =>
        Names<TEnum>.FromName.TryGetValue(name ?? "", out value);

    /// <summary>Parses a stored name of any of these enums; throws when unknown.</summary>
    public static TEnum Parse<TEnum>(string name) where TEnum : struct, Enum => Names<TEnum>.Parse(name);

    /// <summary>The snake_case name of an enum value.</summary>
    public static string NameOf<TEnum>(TEnum value) where TEnum : struct, Enum => Names<TEnum>.ToName[value];

    private static string SnakeCase(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(pascal[i]));
        }

        return builder.ToString();
    }

    private static class Names<TEnum> where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToName = Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => SnakeCase(v.ToString()));

        public static readonly FrozenDictionary<string, TEnum> FromName = ToName.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        public static TEnum Parse(string name) =>
            FromName.TryGetValue(name, out var value) ? value : throw new FormatException($"'{name}' is not a {typeof(TEnum).Name}.");
    }
}
