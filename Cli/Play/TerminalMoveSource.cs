using System.Globalization;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Cli.Play;

/// <summary>
/// A person at the terminal as the move source: the board is printed after every move, a move is typed as a GTP
/// vertex (<c>D4</c>), <c>pass</c> or <c>resign</c>, and the result to sign is proposed from an area count.
/// </summary>
public sealed class TerminalMoveSource(TextReader input, TextWriter output, string rules) : IMoveSource
{
    private readonly RuleSet _rules = RuleSet.FromName(rules) ?? RuleSet.Chinese;
    private Game _game = new(9, RuleSet.Chinese);
    private int _handicap;

    /// <inheritdoc />
    public Task NewGameAsync(int size, double komi, int handicap, CancellationToken cancellationToken)
    {
        _handicap = handicap;
        _game = new Game(size, _rules, komi, handicap > 0 ? Handicap.FixedPoints(size, handicap) : null);
        Show();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task PlayAsync(string color, string move, CancellationToken cancellationToken)
    {
        var legality = _game.Play(new Move(ColorOf(color), Point.FromGtp(move, _game.Board.Size)));
        output.WriteLine($"{color} {move}{(legality == MoveLegality.Legal ? "" : $" ({legality})")}");
        Show();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<string> GenerateMoveAsync(string color, CancellationToken cancellationToken)
    {
        while (true)
        {
            output.Write($"{color} to play (vertex, pass or resign): ");
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            var line = (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim()
                ?? throw new OperationCanceledException("The terminal closed.");
            if (line.Equals("resign", StringComparison.OrdinalIgnoreCase))
            {
                return "resign";
            }
            try
            {
                var point = Point.FromGtp(line, _game.Board.Size);
                var legality = point.IsPass ? MoveLegality.Legal : _game.Board.Check(ColorOf(color), point);
                if (legality == MoveLegality.Legal)
                {
                    await PlayAsync(color, line, cancellationToken).ConfigureAwait(false);
                    return point.IsPass ? "pass" : point.ToGtp(_game.Board.Size);
                }
                output.WriteLine($"{line} is illegal: {legality}.");
            }
            catch (FormatException e)
            {
                output.WriteLine(e.Message);
            }
        }
    }

    /// <inheritdoc />
    public Task UndoAsync(CancellationToken cancellationToken)
    {
        // Replays all but the last move: the rules engine keeps no undo history of its own.
        var moves = _game.Moves.Take(_game.Moves.Count - 1).ToList();
        var size = _game.Board.Size;
        _game = new Game(size, _rules, _game.Komi, _handicap > 0 ? Handicap.FixedPoints(size, _handicap) : null);
        foreach (var move in moves)
        {
            _game.Play(move);
        }
        Show();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<string> FinalScoreAsync(CancellationToken cancellationToken)
    {
        var counted = _game.PlayEnded && _game.Result is null ? _game.Finish().Result.ToString() : "?";
        while (true)
        {
            output.Write($"Counting every stone as alive gives {counted}. The result you sign (B+3.5, W+R, 0) [{counted}]: ");
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            var line = (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim()
                ?? throw new OperationCanceledException("The terminal closed.");
            var result = line.Length == 0 ? counted : line;
            if (GameResult.Parse(result).Kind != ResultKind.Unknown)
            {
                return result;
            }
            output.WriteLine($"'{result}' is not a result.");
        }
    }

    private void Show()
    {
        var size = _game.Board.Size;
        var rows = _game.Board.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var columns = string.Concat(Enumerable.Range(0, size).Select(x => new Point(x, 0).ToGtp(size)[0]));
        output.WriteLine("   " + columns);
        for (var y = 0; y < rows.Length; y++)
        {
            output.WriteLine((size - y).ToString(CultureInfo.InvariantCulture).PadLeft(2) + " " + rows[y]);
        }
    }

    private static Color ColorOf(string color) => color == "B" ? Color.Black : Color.White;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
