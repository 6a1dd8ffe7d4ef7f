using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansGoRelay.Contracts;

/// <summary>
/// JSON as the gateway's contract writes it: camelCase members, enums as the snake_case names the database and the
/// API documents use (<c>"playing"</c>, <c>"healthy"</c>). The gateway, game events, relay agents and the player
/// client share it, and the wire messages of <see cref="Wire"/> travel in it.
/// </summary>
public static class ApiJson
{
    /// <summary>Enums as snake_case names (stateless, so one instance serves every options object).</summary>
    public static JsonConverter Enums { get; } = new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower);

    /// <summary>
    /// Web defaults with <see cref="Enums"/>, and numbers only as JSON numbers (the web defaults also read <c>"100"</c>).
    /// A message's <c>type</c> or <c>op</c> may come anywhere in its object, as players have always been free to write it.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { Enums },
        NumberHandling = JsonNumberHandling.Strict,
        AllowOutOfOrderMetadataProperties = true,
    };

    /// <summary>An enum value's wire name, as <see cref="Enums"/> writes it (<c>GameStamped</c> → <c>game_stamped</c>).</summary>
    public static string NameOf<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
