namespace OrleansGoRelay.Contracts.Inference;

/// <summary>Stones placed before the moves (handicap or a problem's position), as GTP vertices.</summary>
/// <param name="Black">Black's stones.</param>
/// <param name="White">White's stones.</param>
public sealed record PositionSetup(IReadOnlyList<string>? Black = null, IReadOnlyList<string>? White = null);

/// <summary>A position to predict for (<c>POST /api/v1/inference/predict</c>).</summary>
/// <param name="ChannelId">The payment channel the call draws on.</param>
/// <param name="Size">Board size (the model's).</param>
/// <param name="Komi">Komi (default 7.5).</param>
/// <param name="Rules">chinese, japanese or tromp-taylor (default chinese).</param>
/// <param name="Setup">Stones before the moves.</param>
/// <param name="Moves">The moves since the setup as GTP vertices, colours alternating so that <paramref name="ToPlay"/> moves next.</param>
/// <param name="ToPlay">B or W: who moves now.</param>
/// <param name="ModelVersion">A registry version to ask (default: the promoted one).</param>
/// <param name="TopK">Alternatives to list (1 to 20, default 5).</param>
/// <param name="Sgf">Instead of size, komi, rules, setup and moves: a game record, read up to <paramref name="MoveNumber"/>.</param>
/// <param name="MoveNumber">With <paramref name="Sgf"/>: the position after this many moves of the main line (default: all of them).</param>
public sealed record PredictRequest(
    string? ChannelId, int Size, double? Komi, string? Rules, PositionSetup? Setup, IReadOnlyList<string>? Moves, string? ToPlay,
    string? ModelVersion = null, int? TopK = null, string? Sgf = null, int? MoveNumber = null);

/// <summary>A suggested move and its probability under the model, legal moves only.</summary>
public sealed record MoveProbability(string Move, double Probability);

/// <summary>What the model suggests.</summary>
/// <param name="Move">The most probable legal move (GTP vertex or <c>pass</c>).</param>
/// <param name="Confidence">Its probability among the legal moves.</param>
/// <param name="Alternatives">The top-k legal moves with their probabilities, best first.</param>
/// <param name="WinProbability">The value head's estimate that the side to move wins, 0..1.</param>
/// <param name="CrowdConsensus">How strongly the recent federation-trained versions agree on the move (0..1).</param>
/// <param name="ModelVersion">The version that answered.</param>
/// <param name="Charged">Base units drawn from the channel for this call.</param>
public sealed record PredictAnswer(string Move, double Confidence, IReadOnlyList<MoveProbability> Alternatives, double WinProbability, double CrowdConsensus, string ModelVersion, long Charged);

/// <summary>Opens a payment channel (<c>POST /api/v1/channels</c>): base units to lock from the caller's account.</summary>
/// <param name="Deposit">Base units locked for calls.</param>
/// <param name="Tier">The pricing tier (configuration; default <c>standard</c>).</param>
public sealed record ChannelOpenRequest(long Deposit, string? Tier = null);

/// <summary>A payment channel.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="AccountId">The paying account.</param>
/// <param name="Deposit">Base units locked at opening.</param>
/// <param name="PricePerCall">What each answered call draws.</param>
/// <param name="Drawn">Drawn by answered calls so far.</param>
/// <param name="Settled">Of that, moved in the ledger (to the contributors).</param>
/// <param name="Available">What calls may still draw.</param>
/// <param name="ExpiresAt">When the locked deposit returns to the account by itself if the channel is left open.</param>
/// <param name="Closed">Whether it is closed.</param>
public sealed record ChannelView(string ChannelId, string AccountId, long Deposit, long PricePerCall, long Drawn, long Settled, long Available, DateTimeOffset ExpiresAt, bool Closed);

/// <summary>A channel closed: what its calls cost and what went back.</summary>
public sealed record ChannelClosed(string ChannelId, long Settled, long Refund);
