namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// Who a client shares its secrets with and masks its input against. Bell et al. 2020 replace Bonawitz et al.'s complete
/// graph by a sparse random one of degree O(log n), which brings each client's work from O(n) to O(log n) and the server's
/// unmasking from O(n²) to O(n log n) mask expansions.
/// <para>
/// The sparse graph built here is the Harary graph H(k, n) (Harary 1962) laid over a seeded random ordering of the
/// clients: place them on a ring in the order of a Fisher–Yates shuffle seeded with <see cref="SecureAggregationConfig.GraphSeed"/>
/// (SplitMix64, so every client computes the same graph on any platform); each is joined to the ⌊k/2⌋ nearest on either
/// side and, when k is odd, to the one opposite. The choice over an Erdős–Rényi graph as in Bell et al.: it is exactly
/// k-regular (no client has an unluckily small neighbourhood, so one threshold fits all) and k-connected, the most a
/// k-regular graph can be: fewer than k dropped clients cannot split the survivors into groups whose partial sums the
/// server would learn. The ordering must not be the server's to choose in a malicious setting (derive the seed from a
/// public random beacon); here the server is honest but curious.
/// </para>
/// <para>
/// A client's closed neighbourhood, itself and its neighbours, holds the shares of its secrets; the threshold t counts
/// within it. With the complete graph it is the whole round, as in Bonawitz et al., where each client also keeps a share
/// of its own secrets.
/// </para>
/// </summary>
public sealed class NeighbourGraph
{
    private readonly int[][]? _neighbours;

    private NeighbourGraph(int clients, int[][]? neighbours)
    {
        Clients = clients;
        _neighbours = neighbours;
    }

    /// <summary>Vertices: clients 0..n−1.</summary>
    public int Clients { get; }

    /// <summary>Whether every client is everyone's neighbour.</summary>
    public bool IsComplete => _neighbours is null;

    /// <summary>The graph <paramref name="config"/> describes.</summary>
    public static NeighbourGraph For(SecureAggregationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return config.Graph == NeighbourGraphKind.Complete ? new NeighbourGraph(config.Clients, null) : Harary(config.Clients, config.Neighbours, config.GraphSeed);
    }

    /// <summary>H(k, n) over the ordering shuffled with <paramref name="seed"/>.</summary>
    public static NeighbourGraph Harary(int clients, int degree, long seed)
    {
        if (degree < 1 || degree >= clients || (degree % 2 == 1 && clients % 2 == 1))
        {
            throw new ArgumentException($"No Harary graph H({degree}, {clients}) is {degree}-regular.");
        }
        var ring = new int[clients];
        for (var i = 0; i < clients; i++)
        {
            ring[i] = i;
        }
        var random = new SplitMix64((ulong)seed);
        for (var i = clients - 1; i > 0; i--)
        {
            var j = random.Below(i + 1);
            (ring[i], ring[j]) = (ring[j], ring[i]);
        }
        var neighbours = new int[clients][];
        for (var position = 0; position < clients; position++)
        {
            var list = new List<int>(degree);
            for (var d = 1; d <= degree / 2; d++)
            {
                list.Add(ring[(position + d) % clients]);
                list.Add(ring[(position - d + clients) % clients]);
            }
            if (degree % 2 == 1)
            {
                list.Add(ring[(position + clients / 2) % clients]);
            }
            var sorted = list.ToArray();
            Array.Sort(sorted);
            neighbours[ring[position]] = sorted;
        }
        return new NeighbourGraph(clients, neighbours);
    }

    /// <summary>The neighbours of <paramref name="client"/> (not itself), ascending.</summary>
    public IReadOnlyList<int> NeighboursOf(int client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, Clients);
        if (_neighbours is not null)
        {
            return _neighbours[client];
        }
        var all = new int[Clients - 1];
        for (int v = 0, i = 0; v < Clients; v++)
        {
            if (v != client)
            {
                all[i++] = v;
            }
        }
        return all;
    }

    /// <summary>Itself and its neighbours, ascending: the holders of its shares.</summary>
    public int[] NeighbourhoodOf(int client)
    {
        var neighbours = NeighboursOf(client);
        var closed = new int[neighbours.Count + 1];
        var i = 0;
        var placed = false;
        foreach (var v in neighbours)
        {
            if (!placed && v > client)
            {
                closed[i++] = client;
                placed = true;
            }
            closed[i++] = v;
        }
        if (!placed)
        {
            closed[i] = client;
        }
        return closed;
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> (distinct) are neighbours.</summary>
    public bool AreNeighbours(int a, int b) =>
        a != b && (_neighbours is null ? (uint)a < (uint)Clients && (uint)b < (uint)Clients : Array.BinarySearch(_neighbours[a], b) >= 0);

    /// <summary>How many of <paramref name="client"/>'s closed neighbourhood lie in <paramref name="alive"/>.</summary>
    public int AliveInNeighbourhood(int client, IReadOnlySet<int> alive)
    {
        ArgumentNullException.ThrowIfNull(alive);
        if (_neighbours is null)
        {
            return alive.Count;
        }
        var count = alive.Contains(client) ? 1 : 0;
        foreach (var v in _neighbours[client])
        {
            if (alive.Contains(v))
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014): a fixed, portable stream, so all parties shuffle alike.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Below(int bound) => (int)(((UInt128)Next() * (ulong)bound) >> 64);
    }
}
