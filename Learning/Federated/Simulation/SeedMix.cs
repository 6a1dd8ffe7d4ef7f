namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>
/// Derives the seed of one random choice (round r's dropouts, client k's batch order) from the run's seed, the same in
/// every process: <see cref="HashCode"/> is randomised per process, so a simulation seeded through it would not repeat.
/// SplitMix64's finaliser over the parts, folded one after another.
/// </summary>
internal static class SeedMix
{
    // Domain tags, first in a mix, so no two kinds of choice share a stream (a client's training seed is (seed, round,
    // client) without a tag: the measurements in the README were made with it).
    public const long Dropout = -1;
    public const long Attack = -2;
    public const long Shapley = -3;
    public const long Graph = -4;
    public const long Sampling = -5;

    public static int Of(params ReadOnlySpan<long> parts)
    {
        var state = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            state = Mix(state ^ (ulong)part);
        }
        return (int)(state >> 33);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
