using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
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

    /// <summary>
    /// A request given as an SGF and a move number, rewritten as the position it names (size, komi, rules, setup and
    /// the moves up to there); the side to move is the one after the last of them unless the request names it. A
    /// request without an SGF is returned as it is. Setup placed later in the main line than the position is ignored;
    /// setup before it cannot be written as a position of alternating moves and is refused.
    /// </summary>
    public static PredictRequest ResolvePosition(PredictRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Sgf is null)
        {
            return request;
        }
        if (request.Setup is not null || request.Moves is not null)
        {
            throw RequestRefusedException.BadRequest("ambiguous_position", "Send either sgf (with moveNumber) or setup and moves, not both.");
        }
        var record = ParseGame(request.Sgf);
        if (request.Size != 0 && request.Size != record.Size)
        {
            throw RequestRefusedException.BadRequest("wrong_board_size", $"size is {request.Size} but the SGF is {record.Size}x{record.Size}.");
        }
        var moveNumber = request.MoveNumber ?? record.Moves.Length;
        if (moveNumber < 0 || moveNumber > record.Moves.Length)
        {
            throw RequestRefusedException.BadRequest("invalid_move_number", $"moveNumber is {moveNumber}; the game's main line has {record.Moves.Length} moves (0 is the start).");
        }
        if (record.Setup.Any(s => s.BeforeMove > 0 && s.BeforeMove < moveNumber))
        {
            throw RequestRefusedException.BadRequest("unsupported_sgf", "The main line places stones between moves before that position; send it as setup and moves.");
        }
        var initial = record.Setup.Where(s => s.BeforeMove == 0).ToList();
        var moves = record.Moves[..moveNumber];
        var toPlay = request.ToPlay
            ?? (moves.Length > 0 ? moves[^1].Player.Opponent() : record.Moves.Length > 0 ? record.Moves[0].Player : record.Handicap > 1 ? Color.White : Color.Black).ToLetter().ToString();
        return request with
        {
            Size = record.Size,
            Komi = request.Komi ?? record.Komi,
            Rules = request.Rules ?? record.Rules.Name,
            Setup = new PositionSetup(
                [.. initial.Where(s => s.Stone == Stone.Black).Select(s => s.Point.ToGtp(record.Size))],
                [.. initial.Where(s => s.Stone == Stone.White).Select(s => s.Point.ToGtp(record.Size))]),
            Moves = [.. moves.Select(m => m.Point.ToGtp(record.Size))],
            ToPlay = toPlay,
            Sgf = null,
            MoveNumber = null,
        };
    }
}
