using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Grains.Games;

// The game types of the gateway contract (GameSpec, GameView, PlayedMove, ...) live in OrleansGoRelay.Contracts.Games;
// they cross grain calls through Serialization/ContractSurrogates.cs.

/// <summary>A consensus game as training data sees it.</summary>
/// <param name="GameId">The game.</param>
/// <param name="GameHash">SHA-256 (hex) of the game's SGF.</param>
/// <param name="Black">Black's player id.</param>
/// <param name="White">White's player id.</param>
/// <param name="BlackRelay">The relay Black played through (the latest assignment), if any.</param>
/// <param name="WhiteRelay">The relay White played through, if any.</param>
/// <param name="Result">The agreed result.</param>
/// <param name="TotalMoves">Moves played.</param>
/// <param name="Features">The game's features.</param>
/// <param name="Class">Teaching, dogfight or standard, by the analysis.</param>
/// <param name="EndedAt">When play ended.</param>
/// <param name="ClarityBp">The classifier's confidence in <paramref name="Class"/>, in basis points (<see cref="GameClarity"/>).</param>
/// <param name="Sgf">The game's record.</param>
[GenerateSerializer, Immutable, Alias("gorelay.ConsensusGame")]
public sealed record ConsensusGame(
    string GameId, string GameHash, string Black, string White, string? BlackRelay, string? WhiteRelay, string Result,
    int TotalMoves, GameFeatures Features, GameClass Class, DateTimeOffset EndedAt, int ClarityBp = 0, string Sgf = "");
