using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;

namespace OrleansGoRelay.Learning.Data;

/// <summary>Which part of the data a game belongs to.</summary>
public enum DataPart
{
    /// <summary>Games the model learns from.</summary>
    Training,
    /// <summary>Games held out to measure it: never trained on.</summary>
    Validation,
}

/// <summary>
/// The deterministic train/validation split: a game's part follows from a hash of what it is (size, players, date,
/// moves), so every run, every tool and every relay agrees without a list, and the same game in two files (or
/// re-imported) lands on the same side.
/// </summary>
/// <param name="ValidationPerMille">Games per thousand held out for validation.</param>
public sealed record GameSplit(int ValidationPerMille = 20)
{
    /// <summary>The game's identity: FNV-1a over its size, players, date and moves.</summary>
    public static ulong Hash(GameRecord game)
    {
        ArgumentNullException.ThrowIfNull(game);
        var hash = 14695981039346656037UL;
        void Add(int value)
        {
            hash = (hash ^ (uint)value) * 1099511628211UL;
        }
        void AddText(string? text)
        {
            foreach (var c in text ?? "")
            {
                Add(c);
            }
            Add(0);
        }
        Add(game.Size);
        AddText(game.Black);
        AddText(game.White);
        AddText(game.Date);
        foreach (var move in game.Moves)
        {
            Add(move.Player == Color.Black ? 1 : 2);
            Add(move.Point.X);
            Add(move.Point.Y);
        }
        // A final avalanche so the low digits used for the split are as mixed as the high ones.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }

    /// <summary>The part a game with hash <paramref name="hash"/> belongs to.</summary>
    public DataPart PartOf(ulong hash) => (int)(hash % 1000) < ValidationPerMille ? DataPart.Validation : DataPart.Training;
}
