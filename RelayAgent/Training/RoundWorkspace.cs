using System.Text.Json;
using OrleansGoRelay.Learning.Federated;

namespace OrleansGoRelay.RelayAgent.Training;

/// <summary>What a relay remembers of one round (what it declared, how its training went).</summary>
/// <param name="RoundId">The round.</param>
/// <param name="GameIds">The games it declared ready with.</param>
/// <param name="DataHash">Their hash.</param>
/// <param name="Examples">Positions it trained on.</param>
/// <param name="Sent">The stages whose message the round acknowledged.</param>
/// <param name="Abandoned">Why it stopped taking part, if it did.</param>
public sealed record RoundNotes(string RoundId, IReadOnlyList<string> GameIds, string DataHash, long Examples, IReadOnlyList<string> Sent, string? Abandoned = null);

/// <summary>
/// A relay's own disk for a round: its notes, its secure-aggregation client state, its trained update, and the message
/// of each stage, each written (atomically, then flushed) before the message that depends on it is sent. A relay that is
/// killed and restarted finds them and sends the same message again, never a second, different one: a second ShareKeys
/// would carry new secrets, a second Unmask could reveal both shares of a client.
/// </summary>
public sealed class RoundWorkspace(string root, string roundId)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly string _folder = Path.Combine(root, "rounds", roundId);

    /// <summary>The round's notes, or null before the relay declared itself ready.</summary>
    public RoundNotes? Notes => Read("notes.json") is { } bytes ? JsonSerializer.Deserialize<RoundNotes>(bytes, Json) : null;

    /// <summary>Saves the notes.</summary>
    public void SaveNotes(RoundNotes notes) => Write("notes.json", JsonSerializer.SerializeToUtf8Bytes(notes, Json));

    /// <summary>The secure-aggregation client's state, or null.</summary>
    public byte[]? ClientState => Read("secagg.bin");

    /// <summary>Saves the secure-aggregation client's state.</summary>
    public void SaveClientState(byte[] state) => Write("secagg.bin", state);

    /// <summary>The trained update, or null.</summary>
    public float[]? Update => Read("update.bin") is { } bytes ? WeightBytes.Read(bytes) : null;

    /// <summary>Saves the trained update.</summary>
    public void SaveUpdate(float[] delta) => Write("update.bin", WeightBytes.Of(delta));

    /// <summary>The message prepared for a stage, or null.</summary>
    public byte[]? Outbox(string stage) => Read($"outbox-{stage}.json");

    /// <summary>Saves the message of a stage before it is sent.</summary>
    public void SaveOutbox(string stage, byte[] body) => Write($"outbox-{stage}.json", body);

    private byte[]? Read(string name)
    {
        var path = Path.Combine(_folder, name);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    private void Write(string name, byte[] bytes) => WriteDurably(Path.Combine(_folder, name), bytes);

    /// <summary>Writes a file whole or not at all (a temporary file flushed to disk, then renamed over the old one).</summary>
    public static void WriteDurably(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
