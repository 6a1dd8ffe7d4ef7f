using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Go;

/// <summary>The real game records in ../shared/data, read once per test run.</summary>
public static class GoData
{
    private static readonly Lazy<IReadOnlyList<(string File, int GameNumber, GameRecord Record)>> AllGames = new(() =>
        [.. Files.SelectMany(file => GameImporter.ReadFile(file)
            .Where(g => g.Game is not null)
            .Select(g => (Path.GetFileName(file), g.GameNumber, g.Game!)))]);

    /// <summary>The shared data folder.</summary>
    public static string Directory { get; } = Path.GetFullPath(Path.Combine(TestEnvironment.RepositoryRoot, "..", "shared", "data"));

    /// <summary>The collections.</summary>
    public static IReadOnlyList<string> Files => [.. System.IO.Directory.GetFiles(Directory, "*.sgf.gz").Order(StringComparer.Ordinal)];

    /// <summary>A collection by name.</summary>
    public static string File(string name) => Path.Combine(Directory, name);

    /// <summary>Every game that imports, with its file and number.</summary>
    public static IReadOnlyList<(string File, int GameNumber, GameRecord Record)> Games => AllGames.Value;
}
