using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary>The JSON shape of the game tools' output: camelCase, enums as text, moves as SGF text.</summary>
internal static class GameJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new MoveConverter() },
        WriteIndented = false,
    };

    private sealed class MoveConverter : JsonConverter<Move>
    {
        public override Move Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Moves are written, not read.");

        public override void Write(Utf8JsonWriter writer, Move value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
