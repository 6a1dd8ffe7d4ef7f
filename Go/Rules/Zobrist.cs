namespace OrleansGoRelay.Go.Rules;

/// <summary>
/// Zobrist keys: one random 64-bit key per (stone colour, board index), shared by every board of a size so that
/// hashes of positions on different boards compare. Fixed seed: hashes are stable across processes and runs.
/// </summary>
internal static class Zobrist
{
    /// <summary>The hash of the empty board; not zero so that zero can mark an empty slot in <see cref="PositionSet"/>.</summary>
    public const ulong EmptyBoard = 0x9E3779B97F4A7C15UL;

    private static readonly ulong[][] KeysBySize = CreateAll();

    /// <summary>Keys for a board size, laid out as <c>[colour * points + index]</c> with colour 1 or 2.</summary>
    public static ulong[] For(int size) => KeysBySize[size];

    private static ulong[][] CreateAll()
    {
        var all = new ulong[Board.MaxSize + 1][];
        var state = 0x2545F4914F6CDD1DUL;
        for (var size = Board.MinSize; size <= Board.MaxSize; size++)
        {
            var points = Board.IndexCount(size);
            var keys = new ulong[3 * points];
            for (var i = points; i < keys.Length; i++)
            {
                keys[i] = SplitMix(ref state);
            }
            all[size] = keys;
        }
        return all;
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// The set of position hashes seen in a game, for superko: open addressing over a power-of-two table, cleared in
/// O(1) by bumping a generation, because playouts clear it thousands of times a second.
/// </summary>
internal sealed class PositionSet
{
    private ulong[] _keys = new ulong[1024];
    private int[] _generations = new int[1024];
    private int _generation = 1;
    private int _count;

    public int Count => _count;

    public void Clear()
    {
        _count = 0;
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_generations);
            _generation = 1;
        }
    }

    public bool Contains(ulong key)
    {
        var mask = _keys.Length - 1;
        for (var i = (int)(key ^ (key >> 29)) & mask; ; i = (i + 1) & mask)
        {
            if (_generations[i] != _generation)
            {
                return false;
            }
            if (_keys[i] == key)
            {
                return true;
            }
        }
    }

    public void Add(ulong key)
    {
        if ((_count + 1) * 2 > _keys.Length)
        {
            Grow();
        }
        var mask = _keys.Length - 1;
        for (var i = (int)(key ^ (key >> 29)) & mask; ; i = (i + 1) & mask)
        {
            if (_generations[i] != _generation)
            {
                _generations[i] = _generation;
                _keys[i] = key;
                _count++;
                return;
            }
            if (_keys[i] == key)
            {
                return;
            }
        }
    }

    public void CopyFrom(PositionSet other)
    {
        _keys = (ulong[])other._keys.Clone();
        _generations = (int[])other._generations.Clone();
        _generation = other._generation;
        _count = other._count;
    }

    private void Grow()
    {
        var keys = _keys;
        var generations = _generations;
        var generation = _generation;
        _keys = new ulong[keys.Length * 2];
        _generations = new int[keys.Length * 2];
        _generation = 1;
        _count = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (generations[i] == generation)
            {
                Add(keys[i]);
            }
        }
    }
}
