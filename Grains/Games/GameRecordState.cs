using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Grains.Players;

namespace OrleansGoRelay.Grains.Games;

/// <summary>A game's durable state: the spec and the accepted moves are the truth; the board is rebuilt from them.</summary>
[Alias("game.v1")]
public sealed record GameRecordState
{
    /// <summary>How the game was created; null before.</summary>
    public GameSpec? Spec { get; init; }

    /// <summary>Accepted moves.</summary>
    public IReadOnlyList<PlayedMove> Moves { get; init; } = [];

    /// <summary>Where the game stands.</summary>
    public GameState State { get; init; }

    /// <summary><c>passes</c> or <c>resignation</c>.</summary>
    public string? EndedBy { get; init; }

    /// <summary>The resignation result, then the agreed one.</summary>
    public string? Result { get; init; }

    /// <summary>Submitted results.</summary>
    public IReadOnlyList<ResultClaim> Claims { get; init; } = [];

    /// <summary>Both ratings as they were before this game, fixed when consensus was reached (so applying them again is the same update).</summary>
    public IReadOnlyList<PlayerRatingView>? RatingsBefore { get; init; }

    /// <summary>Whether both ratings were updated.</summary>
    public bool Rated { get; init; }

    /// <summary>Black's relay session.</summary>
    public RelayAssignment? BlackRelay { get; init; }

    /// <summary>White's relay session.</summary>
    public RelayAssignment? WhiteRelay { get; init; }

    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When play ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }
}
