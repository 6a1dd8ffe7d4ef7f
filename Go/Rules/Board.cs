namespace OrleansGoRelay.Go.Rules;

/// <summary>Why a move may or may not be played.</summary>
public enum MoveLegality
{
    /// <summary>The move may be played.</summary>
    Legal,
    /// <summary>The point holds a stone.</summary>
    Occupied,
    /// <summary>The point is not on the board.</summary>
    OffBoard,
    /// <summary>The move would leave its own group without liberties and capture nothing.</summary>
    Suicide,
    /// <summary>The move retakes a ko immediately.</summary>
    Ko,
    /// <summary>The move recreates an earlier whole-board position.</summary>
    Superko,
}

/// <summary>
/// A Go board with incremental chains, liberties and Zobrist hash, built for speed: replay and playouts run through
/// <see cref="Play(Color,int)"/> millions of times a second.
/// </summary>
/// <remarks>
/// Points are indices into a padded one-dimensional array: row <c>y</c> starts at <c>(y + 1) * Stride + 1</c>, with
/// <c>Stride = Size + 1</c>, so one border column serves as both the right edge of a row and the left edge of the
/// next, and the four neighbours of <c>i</c> are <c>i ± 1</c> and <c>i ± Stride</c>.
/// Each chain is a circular list of its stones (<see cref="_next"/>) with a representative (<see cref="_chain"/>)
/// holding its stone count and its pseudo-liberties: the number of (stone, empty neighbour) pairs. Pseudo-liberties
/// are zero exactly when a chain has no liberty, and they update in O(1) per move, which is all legality needs.
/// Positional superko is checked only for moves that remove stones: without a removal the number of stones grows,
/// so no earlier position can recur.
/// </remarks>
public sealed class Board
{
    /// <summary>The smallest board supported.</summary>
    public const int MinSize = 2;

    /// <summary>The largest board supported (SGF coordinates reach 52, but 25 is the largest in use).</summary>
    public const int MaxSize = 25;

    private readonly Stone[] _stones;
    private readonly int[] _chain;
    private readonly int[] _next;
    private readonly int[] _liberties;
    private readonly int[] _chainSize;
    private readonly ulong[] _keys;
    private readonly PositionSet _history = new();
    private readonly int[] _captures = new int[3];
    private readonly int[] _empties;
    private readonly int[] _emptySlot;
    private readonly int _points;

    /// <summary>Creates an empty board.</summary>
    public Board(int size, KoRule ko = KoRule.PositionalSuperko, bool suicideAllowed = false)
    {
        if (size is < MinSize or > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Board sizes run from {MinSize} to {MaxSize}.");
        }
        Size = size;
        Stride = size + 1;
        Ko = ko;
        SuicideAllowed = suicideAllowed;
        _points = IndexCount(size);
        _stones = new Stone[_points];
        _chain = new int[_points];
        _next = new int[_points];
        _liberties = new int[_points];
        _chainSize = new int[_points];
        _empties = new int[size * size];
        _emptySlot = new int[_points];
        _keys = Zobrist.For(size);
        Clear();
    }

    /// <summary>The number of lines.</summary>
    public int Size { get; }

    /// <summary>The distance between vertically adjacent indices.</summary>
    public int Stride { get; }

    /// <summary>The ko rule enforced by <see cref="Play(Color,int)"/>.</summary>
    public KoRule Ko { get; }

    /// <summary>Whether multi-stone suicide is allowed.</summary>
    public bool SuicideAllowed { get; }

    /// <summary>The Zobrist hash of the stones on the board.</summary>
    public ulong Hash { get; private set; }

    /// <summary>The point (index) the next player may not play because of basic ko, or -1.</summary>
    public int KoPoint { get; private set; } = -1;

    /// <summary>The player barred from <see cref="KoPoint"/>.</summary>
    public Color KoPlayer { get; private set; }

    /// <summary>The number of stones on the board.</summary>
    public int StoneCount { get; private set; }

    /// <summary>The number of empty points.</summary>
    public int EmptyCount { get; private set; }

    /// <summary>The empty points (indices), in no particular order; valid until the next change.</summary>
    public ReadOnlySpan<int> Empties => _empties.AsSpan(0, EmptyCount);

    /// <summary>The number of positions recorded for superko.</summary>
    public int PositionCount => _history.Count;

    /// <summary>The length of the index space for a board size.</summary>
    public static int IndexCount(int size) => (size + 2) * (size + 1) + 1;

    /// <summary>What is on a point (index).</summary>
    public Stone this[int index] => _stones[index];

    /// <summary>What is on a point.</summary>
    public Stone this[Point point] => _stones[IndexOf(point)];

    /// <summary>The index of a point on the board.</summary>
    public int IndexOf(Point point) => (point.Y + 1) * Stride + point.X + 1;

    /// <summary>The point of an index on the board.</summary>
    public Point PointOf(int index) => new(index % Stride - 1, index / Stride - 1);

    /// <summary>The index of the first point (top left).</summary>
    public int FirstIndex => Stride + 1;

    /// <summary>One past the index of the last point.</summary>
    public int EndIndex => Size * Stride + Size + 1;

    /// <summary>Prisoners taken by a player (stones captured, not counting dead stones at the end).</summary>
    public int CapturesBy(Color player) => _captures[(int)player];

    /// <summary>Empties the board and forgets every position.</summary>
    public void Clear()
    {
        Array.Fill(_stones, Stone.Border);
        for (var y = 0; y < Size; y++)
        {
            Array.Fill(_stones, Stone.Empty, (y + 1) * Stride + 1, Size);
        }
        Array.Clear(_chain);
        Array.Clear(_liberties);
        Array.Clear(_chainSize);
        Array.Clear(_captures);
        Hash = Zobrist.EmptyBoard;
        KoPoint = -1;
        StoneCount = 0;
        RebuildEmpties();
        _history.Clear();
        _history.Add(Hash);
    }

    private void RebuildEmpties()
    {
        EmptyCount = 0;
        foreach (var index in Indices())
        {
            if (_stones[index] == Stone.Empty)
            {
                _emptySlot[index] = EmptyCount;
                _empties[EmptyCount++] = index;
            }
        }
    }

    private void RemoveEmpty(int index)
    {
        var slot = _emptySlot[index];
        var last = _empties[--EmptyCount];
        _empties[slot] = last;
        _emptySlot[last] = slot;
    }

    private void AddEmpty(int index)
    {
        _emptySlot[index] = EmptyCount;
        _empties[EmptyCount++] = index;
    }

    /// <summary>Makes this board a copy of another of the same size, history included.</summary>
    public void CopyFrom(Board other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Size != Size)
        {
            throw new ArgumentException("Boards differ in size.", nameof(other));
        }
        Array.Copy(other._stones, _stones, _points);
        Array.Copy(other._chain, _chain, _points);
        Array.Copy(other._next, _next, _points);
        Array.Copy(other._liberties, _liberties, _points);
        Array.Copy(other._chainSize, _chainSize, _points);
        Array.Copy(other._captures, _captures, 3);
        Array.Copy(other._empties, _empties, _empties.Length);
        Array.Copy(other._emptySlot, _emptySlot, _points);
        EmptyCount = other.EmptyCount;
        Hash = other.Hash;
        KoPoint = other.KoPoint;
        KoPlayer = other.KoPlayer;
        StoneCount = other.StoneCount;
        _history.CopyFrom(other._history);
    }

    /// <summary>A copy of this board, history included, with the same or other rules.</summary>
    public Board Clone(KoRule? ko = null, bool? suicideAllowed = null)
    {
        var copy = new Board(Size, ko ?? Ko, suicideAllowed ?? SuicideAllowed);
        copy.CopyFrom(this);
        return copy;
    }

    /// <summary>Whether a player may play at a point (the pass is always legal).</summary>
    public MoveLegality Check(Color player, Point point)
    {
        if (point.IsPass)
        {
            return MoveLegality.Legal;
        }
        return point.IsOnBoard(Size) ? Check(player, IndexOf(point)) : MoveLegality.OffBoard;
    }

    /// <summary>Whether a player may play at an index on the board; nothing changes.</summary>
    public MoveLegality Check(Color player, int index)
    {
        if (_stones[index] != Stone.Empty)
        {
            return MoveLegality.Occupied;
        }
        if (index == KoPoint && player == KoPlayer)
        {
            return MoveLegality.Ko;
        }
        var outcome = Analyse(player, index, out var captures, out _);
        if (outcome != MoveLegality.Legal || !captures || Ko != KoRule.PositionalSuperko)
        {
            return outcome;
        }
        return _history.Contains(HashAfter(player, index)) ? MoveLegality.Superko : MoveLegality.Legal;
    }

    /// <summary>Plays a move; an illegal move changes nothing and says why.</summary>
    public MoveLegality Play(Move move)
    {
        if (move.IsPass)
        {
            Pass();
            return MoveLegality.Legal;
        }
        return move.Point.IsOnBoard(Size) ? Play(move.Player, IndexOf(move.Point)) : MoveLegality.OffBoard;
    }

    /// <summary>A pass: the position stays, basic ko is lifted.</summary>
    public void Pass() => KoPoint = -1;

    /// <summary>Plays at an index on the board; an illegal move changes nothing and says why.</summary>
    public MoveLegality Play(Color player, int index)
    {
        var stones = _stones;
        if (stones[index] != Stone.Empty)
        {
            return MoveLegality.Occupied;
        }
        if (index == KoPoint && player == KoPlayer)
        {
            return MoveLegality.Ko;
        }
        var outcome = Analyse(player, index, out var captures, out var suicide);
        if (outcome != MoveLegality.Legal)
        {
            return outcome;
        }
        if ((captures || suicide) && Ko == KoRule.PositionalSuperko && _history.Contains(HashAfter(player, index)))
        {
            return MoveLegality.Superko;
        }
        Commit(player, index, captures);
        _history.Add(Hash);
        return MoveLegality.Legal;
    }

    /// <summary>
    /// Puts a stone on the board without playing it (SGF setup: AB/AW); nothing is captured. Removing uses
    /// <see cref="Stone.Empty"/> (AE). Chains are rebuilt, so this is for setup, not for play.
    /// </summary>
    public void Setup(Point point, Stone stone)
    {
        if (!point.IsOnBoard(Size))
        {
            throw new ArgumentOutOfRangeException(nameof(point), point, $"Not on a {Size}x{Size} board.");
        }
        if (stone == Stone.Border)
        {
            throw new ArgumentOutOfRangeException(nameof(stone));
        }
        var index = IndexOf(point);
        var previous = _stones[index];
        if (previous == stone)
        {
            return;
        }
        if (previous != Stone.Empty)
        {
            Hash ^= _keys[(int)previous * _points + index];
            StoneCount--;
        }
        if (stone != Stone.Empty)
        {
            Hash ^= _keys[(int)stone * _points + index];
            StoneCount++;
        }
        _stones[index] = stone;
        RebuildChains();
        RebuildEmpties();
        KoPoint = -1;
        _history.Add(Hash);
    }

    /// <summary>The exact number of liberties of the chain through a stone.</summary>
    public int LibertiesOf(int index)
    {
        if (_stones[index] is Stone.Empty or Stone.Border)
        {
            throw new ArgumentException("No stone there.", nameof(index));
        }
        Span<bool> seen = stackalloc bool[_points];
        var count = 0;
        var stone = index;
        do
        {
            foreach (var n in Neighbours(stone))
            {
                if (_stones[n] == Stone.Empty && !seen[n])
                {
                    seen[n] = true;
                    count++;
                }
            }
            stone = _next[stone];
        }
        while (stone != index);
        return count;
    }

    /// <summary>The liberties of the chain through a stone, up to <paramref name="max"/> of them.</summary>
    public int LibertiesOf(int index, Span<int> found, int max)
    {
        var count = 0;
        var stone = index;
        do
        {
            foreach (var n in Neighbours(stone))
            {
                if (_stones[n] == Stone.Empty && !found[..count].Contains(n))
                {
                    found[count++] = n;
                    if (count == max)
                    {
                        return count;
                    }
                }
            }
            stone = _next[stone];
        }
        while (stone != index);
        return count;
    }

    /// <summary>Whether the chain through a stone has exactly one liberty (it is in atari).</summary>
    public bool InAtari(int index)
    {
        Span<int> found = stackalloc int[2];
        return LibertiesOf(index, found, 2) == 1;
    }

    /// <summary>The number of stones in the chain through a stone.</summary>
    public int ChainSize(int index) => _chainSize[_chain[index]];

    /// <summary>The representative of the chain through a stone: equal for stones of one chain.</summary>
    public int ChainOf(int index) => _chain[index];

    /// <summary>The stones of the chain through a stone.</summary>
    public IEnumerable<int> ChainStones(int index)
    {
        var stone = index;
        do
        {
            yield return stone;
            stone = _next[stone];
        }
        while (stone != index);
    }

    /// <summary>The four neighbour indices of an index (some may be border).</summary>
    public NeighbourList Neighbours(int index) => new(index, Stride);

    /// <summary>Every index on the board, top left to bottom right.</summary>
    public IEnumerable<int> Indices()
    {
        for (var y = 0; y < Size; y++)
        {
            var row = (y + 1) * Stride + 1;
            for (var x = 0; x < Size; x++)
            {
                yield return row + x;
            }
        }
    }

    /// <summary>
    /// Whether an empty point is an eye of a player in the playout sense: all neighbours are the player's stones
    /// (or edge) and the opponent holds fewer than two diagonals (none on the edge), so filling it is never useful.
    /// </summary>
    public bool IsEyeLike(Color player, int index)
    {
        var own = player.ToStone();
        var stones = _stones;
        var stride = Stride;
        if ((stones[index - 1] != own && stones[index - 1] != Stone.Border)
            || (stones[index + 1] != own && stones[index + 1] != Stone.Border)
            || (stones[index - stride] != own && stones[index - stride] != Stone.Border)
            || (stones[index + stride] != own && stones[index + stride] != Stone.Border))
        {
            return false;
        }
        var enemy = player.Opponent().ToStone();
        var enemies = 0;
        var border = 0;
        foreach (var d in (ReadOnlySpan<int>)[-stride - 1, -stride + 1, stride - 1, stride + 1])
        {
            var s = stones[index + d];
            if (s == enemy)
            {
                enemies++;
            }
            else if (s == Stone.Border)
            {
                border = 1;
            }
        }
        return enemies + border < 2;
    }

    /// <summary>Renders the board as text (X black, O white, . empty), top row first.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                text.Append(_stones[(y + 1) * Stride + x + 1] switch { Stone.Black => 'X', Stone.White => 'O', _ => '.' });
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    // Decides suicide and capture for a move on an empty point without changing anything. Pseudo-liberties of the
    // neighbouring chains are lowered by their contacts with the point, read, and restored.
    private MoveLegality Analyse(Color player, int index, out bool captures, out bool suicide)
    {
        var stones = _stones;
        var liberties = _liberties;
        var chain = _chain;
        var own = player.ToStone();
        var stride = Stride;
        int n0 = index - stride, n1 = index - 1, n2 = index + 1, n3 = index + stride;
        Stone s0 = stones[n0], s1 = stones[n1], s2 = stones[n2], s3 = stones[n3];
        captures = false;
        suicide = false;
        if (s0 == Stone.Empty || s1 == Stone.Empty || s2 == Stone.Empty || s3 == Stone.Empty)
        {
            // A liberty of its own; only captures matter (for ko and superko), which need an enemy in atari.
            captures = CapturesAround(index, own);
            return MoveLegality.Legal;
        }
        Lower(s0, n0); Lower(s1, n1); Lower(s2, n2); Lower(s3, n3);
        var breathes = false;
        Classify(s0, n0, own, ref breathes, ref captures);
        Classify(s1, n1, own, ref breathes, ref captures);
        Classify(s2, n2, own, ref breathes, ref captures);
        Classify(s3, n3, own, ref breathes, ref captures);
        Raise(s0, n0); Raise(s1, n1); Raise(s2, n2); Raise(s3, n3);
        if (breathes || captures)
        {
            return MoveLegality.Legal;
        }
        suicide = true;
        // Single-stone suicide always repeats the position; multi-stone suicide needs the rule.
        var joinsChain = s0 == own || s1 == own || s2 == own || s3 == own;
        return SuicideAllowed && joinsChain ? MoveLegality.Legal : MoveLegality.Suicide;
    }

    // With the contacts lowered: an own chain left with a liberty lets the stone breathe; an enemy chain left
    // with none is captured.
    private void Classify(Stone s, int n, Stone own, ref bool breathes, ref bool captures)
    {
        if (s == own)
        {
            breathes |= _liberties[_chain[n]] > 0;
        }
        else if (s != Stone.Border)
        {
            captures |= _liberties[_chain[n]] == 0;
        }
    }

    private bool CapturesAround(int index, Stone own)
    {
        var stones = _stones;
        var stride = Stride;
        foreach (var n in (ReadOnlySpan<int>)[index - stride, index - 1, index + 1, index + stride])
        {
            var s = stones[n];
            if (s != own && s is Stone.Black or Stone.White)
            {
                var root = _chain[n];
                if (_liberties[root] <= 4 && LibertiesOfChainAfter(root, index) == 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    // Pseudo-liberties of a chain once a stone lands on 'index': each contact with that point is one pair lost.
    private int LibertiesOfChainAfter(int root, int index)
    {
        var stride = Stride;
        var contacts = (_chain[index - stride] == root && IsStone(index - stride) ? 1 : 0)
            + (_chain[index - 1] == root && IsStone(index - 1) ? 1 : 0)
            + (_chain[index + 1] == root && IsStone(index + 1) ? 1 : 0)
            + (_chain[index + stride] == root && IsStone(index + stride) ? 1 : 0);
        return _liberties[root] - contacts;
    }

    private bool IsStone(int index) => _stones[index] is Stone.Black or Stone.White;

    private void Lower(Stone s, int n)
    {
        if (s is Stone.Black or Stone.White)
        {
            _liberties[_chain[n]]--;
        }
    }

    private void Raise(Stone s, int n)
    {
        if (s is Stone.Black or Stone.White)
        {
            _liberties[_chain[n]]++;
        }
    }

    // The hash after a capturing (or suiciding) move, for the superko check: the new stone in, every captured
    // chain out (each chain once, however many sides it touches), or for suicide the merged own chain out.
    private ulong HashAfter(Color player, int index)
    {
        var own = player.ToStone();
        var enemy = player.Opponent().ToStone();
        var hash = Hash ^ _keys[(int)own * _points + index];
        Span<int> seen = stackalloc int[4];
        var seenCount = 0;
        var captured = false;
        foreach (var n in Neighbours(index))
        {
            if (_stones[n] != enemy)
            {
                continue;
            }
            var root = _chain[n];
            if (seen[..seenCount].Contains(root) || LibertiesOfChainAfter(root, index) != 0)
            {
                continue;
            }
            seen[seenCount++] = root;
            captured = true;
            hash ^= ChainHash(root, enemy);
        }
        if (captured)
        {
            return hash;
        }
        // Suicide: the stone and every own chain it joins leave the board.
        hash ^= _keys[(int)own * _points + index];
        foreach (var n in Neighbours(index))
        {
            if (_stones[n] != own)
            {
                continue;
            }
            var root = _chain[n];
            if (seen[..seenCount].Contains(root))
            {
                continue;
            }
            seen[seenCount++] = root;
            hash ^= ChainHash(root, own);
        }
        return hash;
    }

    private ulong ChainHash(int root, Stone colour)
    {
        var hash = 0UL;
        var offset = (int)colour * _points;
        var stone = root;
        do
        {
            hash ^= _keys[offset + stone];
            stone = _next[stone];
        }
        while (stone != root);
        return hash;
    }

    private void Commit(Color player, int index, bool captures)
    {
        var stones = _stones;
        var chain = _chain;
        var liberties = _liberties;
        var own = player.ToStone();
        var enemy = player.Opponent().ToStone();
        var stride = Stride;

        stones[index] = own;
        Hash ^= _keys[(int)own * _points + index];
        StoneCount++;
        RemoveEmpty(index);
        chain[index] = index;
        _next[index] = index;
        _chainSize[index] = 1;
        liberties[index] = 0;
        var free = 0;
        int n0 = index - stride, n1 = index - 1, n2 = index + 1, n3 = index + stride;
        free += Touch(n0, index, own);
        free += Touch(n1, index, own);
        free += Touch(n2, index, own);
        free += Touch(n3, index, own);
        // Touch merged own chains into one; the new stone's own empty neighbours add to its liberties.
        liberties[chain[index]] += free;

        var removed = 0;
        var lastRemoved = -1;
        if (captures)
        {
            foreach (var n in (ReadOnlySpan<int>)[n0, n1, n2, n3])
            {
                if (stones[n] == enemy && liberties[chain[n]] == 0)
                {
                    removed += RemoveChain(chain[n], enemy);
                    lastRemoved = n;
                }
            }
            _captures[(int)player] += removed;
        }

        var root = chain[index];
        if (liberties[root] == 0)
        {
            // Allowed multi-stone suicide: the own chain goes.
            _captures[(int)player.Opponent()] += RemoveChain(root, own);
            KoPoint = -1;
            return;
        }
        if (removed == 1 && _chainSize[root] == 1 && liberties[root] == 1)
        {
            KoPoint = lastRemoved;
            KoPlayer = player.Opponent();
        }
        else
        {
            KoPoint = -1;
        }
    }

    // The new stone at 'index' touches neighbour 'n': an empty point is a liberty, a stone loses the pair, an own
    // chain merges with the new stone's chain.
    private int Touch(int n, int index, Stone own)
    {
        var s = _stones[n];
        if (s == Stone.Empty)
        {
            return 1;
        }
        if (s == Stone.Border)
        {
            return 0;
        }
        var root = _chain[n];
        _liberties[root]--;
        if (s == own)
        {
            var mine = _chain[index];
            if (root != mine)
            {
                Merge(mine, root);
            }
        }
        return 0;
    }

    private void Merge(int a, int b)
    {
        // Relabel the smaller chain.
        if (_chainSize[a] > _chainSize[b])
        {
            (a, b) = (b, a);
        }
        var chain = _chain;
        var stone = a;
        do
        {
            chain[stone] = b;
            stone = _next[stone];
        }
        while (stone != a);
        (_next[a], _next[b]) = (_next[b], _next[a]);
        _chainSize[b] += _chainSize[a];
        _liberties[b] += _liberties[a];
    }

    private int RemoveChain(int root, Stone colour)
    {
        var stones = _stones;
        var offset = (int)colour * _points;
        var count = 0;
        var stone = root;
        do
        {
            stones[stone] = Stone.Empty;
            Hash ^= _keys[offset + stone];
            AddEmpty(stone);
            count++;
            stone = _next[stone];
        }
        while (stone != root);
        var stride = Stride;
        do
        {
            // Each neighbouring stone gains the pair with the freed point.
            if (IsStone(stone - stride)) { _liberties[_chain[stone - stride]]++; }
            if (IsStone(stone - 1)) { _liberties[_chain[stone - 1]]++; }
            if (IsStone(stone + 1)) { _liberties[_chain[stone + 1]]++; }
            if (IsStone(stone + stride)) { _liberties[_chain[stone + stride]]++; }
            stone = _next[stone];
        }
        while (stone != root);
        StoneCount -= count;
        return count;
    }

    private void RebuildChains()
    {
        Array.Clear(_liberties);
        Array.Clear(_chainSize);
        foreach (var index in Indices())
        {
            _chain[index] = index;
            _next[index] = index;
        }
        foreach (var index in Indices())
        {
            var s = _stones[index];
            if (s == Stone.Empty)
            {
                continue;
            }
            _chainSize[_chain[index]] = Math.Max(_chainSize[_chain[index]], 1);
            foreach (var n in (ReadOnlySpan<int>)[index + 1, index + Stride])
            {
                if (_stones[n] == s && _chain[n] != _chain[index])
                {
                    _chainSize[_chain[n]] = Math.Max(_chainSize[_chain[n]], 1);
                    Merge(_chain[index], _chain[n]);
                }
            }
        }
        foreach (var index in Indices())
        {
            if (_stones[index] is Stone.Black or Stone.White)
            {
                foreach (var n in Neighbours(index))
                {
                    if (_stones[n] == Stone.Empty)
                    {
                        _liberties[_chain[index]]++;
                    }
                }
            }
        }
    }
}

/// <summary>The four neighbours of a point, enumerable without allocation.</summary>
public readonly struct NeighbourList(int index, int stride)
{
    /// <summary>Enumerates up, left, right, down.</summary>
    public Enumerator GetEnumerator() => new(index, stride);

    /// <summary>The enumerator.</summary>
    public struct Enumerator(int index, int stride)
    {
        private int _step = -1;

        /// <summary>The current neighbour.</summary>
        public readonly int Current => _step switch { 0 => index - stride, 1 => index - 1, 2 => index + 1, _ => index + stride };

        /// <summary>Moves on.</summary>
        public bool MoveNext() => ++_step < 4;
    }
}
