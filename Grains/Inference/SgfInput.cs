using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Grains.Inference;

/// <summary>Game records sent by clients (review, local training): parsed with bounds, refused with where the record is wrong.</summary>
public static class SgfInput
{
    /// <summary>The largest SGF text accepted for one game, in characters.</summary>
    public const int MaxCharacters = 256 * 1024;

    /// <summary>The first game of <paramref name="sgf"/>; 400 <c>invalid_sgf</c> (with line and column) or 413 <c>payload_too_large</c>.</summary>
    public static GameRecord ParseGame(string? sgf, string field = "sgf")
    {
        if (string.IsNullOrWhiteSpace(sgf))
        {
            throw RequestRefusedException.BadRequest("invalid_sgf", $"{field} is empty: send one game's SGF.");
        }
        if (sgf.Length > MaxCharacters)
        {
            throw new RequestRefusedException(413, "payload_too_large", $"{field} has {sgf.Length:N0} characters; one game's SGF has at most {MaxCharacters:N0}.");
        }
        try
        {
            var roots = SgfParser.Parse(sgf);
            return roots.Count == 0
                ? throw RequestRefusedException.BadRequest("invalid_sgf", $"{field} holds no game.")
                : GameImporter.Import(roots[0]);
        }
        catch (FormatException e)
        {
            throw RequestRefusedException.BadRequest("invalid_sgf", $"{field}: {e.Message}");
        }
    }
}
