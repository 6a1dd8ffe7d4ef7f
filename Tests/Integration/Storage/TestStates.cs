namespace OrleansGoRelay.Integration.Storage;

public enum GamePhase
{
    Waiting,
    Playing,
    Finished,
}

/// <summary>A state shaped like the product's: a record with required/init members, collections, an enum, Orleans attributes.</summary>
[GenerateSerializer]
[Alias("test.game-state")]
public sealed record GameState
{
    [Id(0)]
    public required string Title { get; init; }

    [Id(1)]
    public GamePhase Phase { get; init; }

    [Id(2)]
    public List<Move> Moves { get; init; } = [];

    [Id(3)]
    public Dictionary<string, int> Captures { get; init; } = [];

    [Id(4)]
    public DateTimeOffset? StartedAt { get; init; }
}

[GenerateSerializer]
[Alias("test.move")]
public sealed record Move([property: Id(0)] int X, [property: Id(1)] int Y, [property: Id(2)] string Colour);

/// <summary>A state without an alias: its stored type name is its full name.</summary>
[GenerateSerializer]
public sealed record CounterState
{
    [Id(0)]
    public int Count { get; init; }

    [Id(1)]
    public string? Note { get; init; }
}

/// <summary>The same shape as <see cref="CounterState"/> under another name, as after a rename.</summary>
[GenerateSerializer]
public sealed record RenamedCounterState
{
    [Id(0)]
    public int Count { get; init; }

    [Id(1)]
    public string? Note { get; init; }
}
