using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Data;

/// <summary>
/// The training positions, endlessly: the training part of the files, epoch after epoch, read from
/// <see cref="OpenGames"/> games at once and then through a shuffle buffer (consecutive positions of one game are
/// nearly the same example, so they are spread over many games),
/// each with a random symmetry. Everything random comes from one seeded generator, so the same files, seed and buffer
/// give the same sequence, and <see cref="Skip"/> brings a new stream to where a checkpoint left off exactly.
/// </summary>
public sealed class TrainingPositions
{
    private readonly IReadOnlyList<string> _files;
    private readonly int _size;
    private readonly GameSplit _split;
    private readonly int _bufferSize;
    private readonly Random _random;
    private readonly List<IEnumerator<TrainingPosition>> _open = [];
    private IEnumerator<Go.Records.GameRecord>? _games;
    private readonly List<TrainingPosition> _buffer = [];

    public TrainingPositions(IReadOnlyList<string> files, int size, GameSplit split, int bufferSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new ArgumentException("Training needs at least one game file.", nameof(files));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _files = files;
        _size = size;
        _split = split;
        _bufferSize = bufferSize;
        _random = new Random(seed);
    }

    /// <summary>Games read side by side, each position taken from one of them at random, before the shuffle buffer.</summary>
    public const int OpenGames = 64;

    /// <summary>Positions handed out so far.</summary>
    public long Emitted { get; private set; }

    /// <summary>Complete passes over the files so far.</summary>
    public int Epoch { get; private set; }

    /// <summary>What the current pass has read and skipped.</summary>
    public ReadCounts Counts { get; private set; } = new();

    /// <summary>The next position and the symmetry to show it under.</summary>
    public (TrainingPosition Position, int Symmetry) Next()
    {
        while (_buffer.Count < _bufferSize)
        {
            _buffer.Add(Read());
        }
        var slot = _random.Next(_buffer.Count);
        var chosen = _buffer[slot];
        _buffer[slot] = Read();
        Emitted++;
        return (chosen, _random.Next(Symmetry.Count));
    }

    /// <summary>Moves on <paramref name="positions"/> positions, as if they had been taken.</summary>
    public void Skip(long positions)
    {
        for (var i = 0L; i < positions; i++)
        {
            Next();
        }
    }

    /// <summary>
    /// Fills <paramref name="planes"/> (batch × planes × size², as floats) and <paramref name="moves"/>,
    /// <paramref name="outcomes"/>, <paramref name="outcomeWeights"/> with the next <paramref name="batch"/> positions.
    /// </summary>
    public void NextBatch(int batch, float[] planes, long[] moves, float[] outcomes, float[] outcomeWeights)
    {
        ArgumentNullException.ThrowIfNull(planes);
        ArgumentNullException.ThrowIfNull(moves);
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(outcomeWeights);
        var perPosition = InputPlanes.Count * _size * _size;
        var turned = new byte[perPosition];
        for (var b = 0; b < batch; b++)
        {
            var (position, symmetry) = Next();
            Symmetry.ApplyToPlanes<byte>(symmetry, _size, InputPlanes.Count, position.Planes, turned);
            InputPlanes.ToFloats(turned, planes.AsSpan(b * perPosition, perPosition));
            moves[b] = Symmetry.Apply(symmetry, _size, position.Move);
            outcomes[b] = position.Outcome;
            outcomeWeights[b] = position.HasOutcome ? 1f : 0f;
        }
    }

    private TrainingPosition Read()
    {
        while (true)
        {
            while (_open.Count < OpenGames && NextGame() is { } game)
            {
                _open.Add(GamePositions.Of(game).GetEnumerator());
            }
            if (_open.Count == 0)
            {
                if (Counts.Games == 0)
                {
                    throw new InvalidOperationException($"No {_size}×{_size} training games in {string.Join(", ", _files)}.");
                }
                Epoch++;
                Counts = new ReadCounts();
                _games = null;
                continue;
            }
            var slot = _random.Next(_open.Count);
            if (_open[slot].MoveNext())
            {
                return _open[slot].Current;
            }
            _open[slot].Dispose();
            _open.RemoveAt(slot);
        }
    }

    private Go.Records.GameRecord? NextGame()
    {
        _games ??= GameCollections.Read(_files, _size, _split, DataPart.Training, Counts).GetEnumerator();
        if (_games.MoveNext())
        {
            return _games.Current;
        }
        _games.Dispose();
        return null;
    }
}
