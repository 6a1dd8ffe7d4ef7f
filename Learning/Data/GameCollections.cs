using OrleansGoRelay.Go.Records;

namespace OrleansGoRelay.Learning.Data;

/// <summary>Reads games from SGF collections (plain or .gz), keeping the ones a model of one board size can use.</summary>
public static class GameCollections
{
    /// <summary>
    /// The games of <paramref name="files"/> in order, on a <paramref name="size"/> board and in <paramref name="part"/>
    /// of <paramref name="split"/> (null: both parts). Records that do not import, and games whose handicap stones'
    /// placement is unknown, are skipped and counted in <paramref name="counts"/>.
    /// </summary>
    public static IEnumerable<GameRecord> Read(IReadOnlyList<string> files, int size, GameSplit split, DataPart? part, ReadCounts? counts = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(split);
        foreach (var file in files)
        {
            foreach (var (_, game, error) in GameImporter.ReadFile(file))
            {
                if (game is null)
                {
                    counts?.Unreadable(error);
                    continue;
                }
                if (game.HandicapSetup == HandicapSetup.Unknown)
                {
                    counts?.UnknownSetup(); // where its handicap stones stood is a guess: not something to learn from
                    continue;
                }
                if (game.Size != size || game.Moves.Length == 0)
                {
                    counts?.OtherSize();
                    continue;
                }
                if (part is { } wanted && split.PartOf(GameSplit.Hash(game)) != wanted)
                {
                    counts?.OtherPart();
                    continue;
                }
                counts?.Used();
                yield return game;
            }
        }
    }
}

/// <summary>What <see cref="GameCollections.Read"/> kept and skipped.</summary>
public sealed class ReadCounts
{
    private long _used;
    private long _unreadable;
    private long _otherSize;
    private long _otherPart;
    private long _unknownSetup;

    /// <summary>Games read and used.</summary>
    public long Games => Interlocked.Read(ref _used);

    /// <summary>Records that did not parse or import.</summary>
    public long UnreadableGames => Interlocked.Read(ref _unreadable);

    /// <summary>Games on another board size, or without moves.</summary>
    public long OtherSizeGames => Interlocked.Read(ref _otherSize);

    /// <summary>Games in the other part of the split.</summary>
    public long OtherPartGames => Interlocked.Read(ref _otherPart);

    /// <summary>Games whose handicap placement the record does not show (<see cref="HandicapSetup.Unknown"/>).</summary>
    public long UnknownSetupGames => Interlocked.Read(ref _unknownSetup);

    /// <summary>The last import error, for a report.</summary>
    public string? LastError { get; private set; }

    internal void Used() => Interlocked.Increment(ref _used);

    internal void Unreadable(Exception? error)
    {
        Interlocked.Increment(ref _unreadable);
        LastError = error?.Message;
    }

    internal void UnknownSetup() => Interlocked.Increment(ref _unknownSetup);

    internal void OtherSize() => Interlocked.Increment(ref _otherSize);

    internal void OtherPart() => Interlocked.Increment(ref _otherPart);
}
