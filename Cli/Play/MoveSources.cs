using System.Globalization;
using OrleansGoRelay.Go.Engines;

namespace OrleansGoRelay.Cli.Play;

/// <summary>What chooses a player's moves: a GTP engine, or a person at the terminal.</summary>
public interface IMoveSource : IAsyncDisposable
{
    /// <summary>Starts a game: board size, komi and fixed handicap stones (0 for none).</summary>
    Task NewGameAsync(int size, double komi, int handicap, CancellationToken cancellationToken);

    /// <summary>Tells the source a move that was played (either colour; <c>pass</c> included).</summary>
    Task PlayAsync(string color, string move, CancellationToken cancellationToken);

    /// <summary>Asks for a move for <paramref name="color"/>: a vertex, <c>pass</c> or <c>resign</c>. The source's own board plays it.</summary>
    Task<string> GenerateMoveAsync(string color, CancellationToken cancellationToken);

    /// <summary>Takes back the last move played.</summary>
    Task UndoAsync(CancellationToken cancellationToken);

    /// <summary>The result the source would sign (SGF RE text such as <c>B+3.5</c>).</summary>
    Task<string> FinalScoreAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A GTP engine (GNU Go, KataGo, ...) as the move source. The engine process answers one command at a time; the
/// blocking exchange runs on the thread pool so many seats can share one process of this tool.
/// </summary>
public sealed class GtpMoveSource : IMoveSource
{
    private readonly GtpEngine _engine;

    private GtpMoveSource(GtpEngine engine) => _engine = engine;

    /// <summary>Starts the engine: the command line's first word is the program, the rest its arguments.</summary>
    public static GtpMoveSource Start(string commandLine)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandLine);
        var trimmed = commandLine.Trim();
        var split = trimmed.IndexOf(' ', StringComparison.Ordinal);
        return split < 0
            ? new GtpMoveSource(GtpEngine.Start(trimmed, ""))
            : new GtpMoveSource(GtpEngine.Start(trimmed[..split], trimmed[(split + 1)..]));
    }

    /// <inheritdoc />
    public async Task NewGameAsync(int size, double komi, int handicap, CancellationToken cancellationToken)
    {
        await SendAsync(string.Create(CultureInfo.InvariantCulture, $"boardsize {size}"), cancellationToken).ConfigureAwait(false);
        await SendAsync("clear_board", cancellationToken).ConfigureAwait(false);
        await SendAsync(string.Create(CultureInfo.InvariantCulture, $"komi {komi}"), cancellationToken).ConfigureAwait(false);
        if (handicap > 0)
        {
            // GTP's fixed placement is the one the game's rules use.
            await SendAsync(string.Create(CultureInfo.InvariantCulture, $"fixed_handicap {handicap}"), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task PlayAsync(string color, string move, CancellationToken cancellationToken) => SendAsync($"play {color} {move}", cancellationToken);

    /// <inheritdoc />
    public async Task<string> GenerateMoveAsync(string color, CancellationToken cancellationToken) =>
        (await SendAsync($"genmove {color}", cancellationToken).ConfigureAwait(false)).Trim().ToUpperInvariant() switch
        {
            "PASS" => "pass",
            "RESIGN" => "resign",
            var vertex => vertex,
        };

    /// <inheritdoc />
    public Task UndoAsync(CancellationToken cancellationToken) => SendAsync("undo", cancellationToken);

    /// <inheritdoc />
    public async Task<string> FinalScoreAsync(CancellationToken cancellationToken) =>
        (await SendAsync("final_score", cancellationToken).ConfigureAwait(false)).Trim();

    private Task<string> SendAsync(string command, CancellationToken cancellationToken) =>
        Task.Run(() => _engine.Send(command), cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _engine.Dispose();
        return ValueTask.CompletedTask;
    }
}
