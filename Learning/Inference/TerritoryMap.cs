using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>Who owns each point of a position, as the analyser's influence evaluation sees it, drawn as text rows.</summary>
/// <param name="Rows">From the top row down: B/W owned, b/w leaning, '.' undecided.</param>
/// <param name="BlackPoints">Points Black owns (|ownership| ≥ ½ towards Black).</param>
/// <param name="WhitePoints">Points White owns.</param>
/// <param name="Undecided">The rest.</param>
/// <param name="BlackMargin">Black's area minus White's, less komi.</param>
public sealed record TerritoryMap(IReadOnlyList<string> Rows, int BlackPoints, int WhitePoints, int Undecided, double BlackMargin)
{
    /// <summary>The map of <paramref name="board"/> with <paramref name="komi"/>.</summary>
    public static TerritoryMap Of(Board board, double komi)
    {
        ArgumentNullException.ThrowIfNull(board);
        var ownership = InfluenceEvaluator.Evaluate(board, komi).Ownership;
        var size = board.Size;
        var rows = new List<string>(size);
        int black = 0, white = 0;
        for (var y = 0; y < size; y++)
        {
            var row = new char[size];
            for (var x = 0; x < size; x++)
            {
                var o = ownership[y * size + x];
                row[x] = o >= 0.5 ? 'B' : o <= -0.5 ? 'W' : o > 0.1 ? 'b' : o < -0.1 ? 'w' : '.';
                black += o >= 0.5 ? 1 : 0;
                white += o <= -0.5 ? 1 : 0;
            }
            rows.Add(new string(row));
        }
        return new TerritoryMap(rows, black, white, size * size - black - white, black - white - komi);
    }
}
