using Orleans.Serialization.Cloning;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Grains.Serialization;

// The wire contracts (OrleansGoRelay.Contracts) stay free of Orleans, so relay agents never load it: the contract
// types that cross grain calls travel as these surrogates, which Orleans' code generator serialises and the converters
// below map to and from the contract types. Lists travel as arrays: the converters copy whatever list a record holds
// (a List<T>, or the type the compiler makes for a collection expression such as [.. moves, move]) into one.
// The contract records are immutable, so each also gets a shallow copier: a local call passes the same instance.

/// <summary>Wire form of <see cref="GameState"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.GameState")]
public readonly record struct GameStateSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="GameState"/> to its wire form.</summary>
[RegisterConverter]
public sealed class GameStateConverter : IConverter<GameState, GameStateSurrogate>
{
    /// <inheritdoc />
    public GameState ConvertFromSurrogate(in GameStateSurrogate surrogate) => (GameState)surrogate.Value;

    /// <inheritdoc />
    public GameStateSurrogate ConvertToSurrogate(in GameState value) => new((int)value);
}

/// <summary>Wire form of <see cref="RelayRole"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.RelayRole")]
public readonly record struct RelayRoleSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="RelayRole"/> to its wire form.</summary>
[RegisterConverter]
public sealed class RelayRoleConverter : IConverter<RelayRole, RelayRoleSurrogate>
{
    /// <inheritdoc />
    public RelayRole ConvertFromSurrogate(in RelayRoleSurrogate surrogate) => (RelayRole)surrogate.Value;

    /// <inheritdoc />
    public RelayRoleSurrogate ConvertToSurrogate(in RelayRole value) => new((int)value);
}

/// <summary>Wire form of <see cref="GameSpec"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.GameSpec")]
public readonly record struct GameSpecSurrogate(
    [property: Id(0)] string Black, [property: Id(1)] string White, [property: Id(2)] int Size, [property: Id(3)] double? Komi,
    [property: Id(4)] int Handicap, [property: Id(5)] string Rules, [property: Id(6)] bool Rated, [property: Id(7)] GameClass Type);

/// <summary>Maps <see cref="GameSpec"/> to its wire form.</summary>
[RegisterConverter]
public sealed class GameSpecConverter : IConverter<GameSpec, GameSpecSurrogate>
{
    /// <inheritdoc />
    public GameSpec ConvertFromSurrogate(in GameSpecSurrogate surrogate) =>
        new(surrogate.Black, surrogate.White, surrogate.Size, surrogate.Komi, surrogate.Handicap, surrogate.Rules, surrogate.Rated, surrogate.Type);

    /// <inheritdoc />
    public GameSpecSurrogate ConvertToSurrogate(in GameSpec value) =>
        new(value.Black, value.White, value.Size, value.Komi, value.Handicap, value.Rules, value.Rated, value.Type);
}

/// <summary>Passes a <see cref="GameSpec"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class GameSpecCopier : ShallowCopier<GameSpec>;

/// <summary>Wire form of <see cref="PlayedMove"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.PlayedMove")]
public readonly record struct PlayedMoveSurrogate(
    [property: Id(0)] int Number, [property: Id(1)] string Color, [property: Id(2)] string Move, [property: Id(3)] DateTimeOffset At);

/// <summary>Maps <see cref="PlayedMove"/> to its wire form.</summary>
[RegisterConverter]
public sealed class PlayedMoveConverter : IConverter<PlayedMove, PlayedMoveSurrogate>
{
    /// <inheritdoc />
    public PlayedMove ConvertFromSurrogate(in PlayedMoveSurrogate surrogate) => new(surrogate.Number, surrogate.Color, surrogate.Move, surrogate.At);

    /// <inheritdoc />
    public PlayedMoveSurrogate ConvertToSurrogate(in PlayedMove value) => new(value.Number, value.Color, value.Move, value.At);
}

/// <summary>Passes a <see cref="PlayedMove"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class PlayedMoveCopier : ShallowCopier<PlayedMove>;

/// <summary>Wire form of <see cref="RelayAssignment"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.RelayAssignment")]
public readonly record struct RelayAssignmentSurrogate(
    [property: Id(0)] string RelayId, [property: Id(1)] int Epoch, [property: Id(2)] string Reason, [property: Id(3)] DateTimeOffset At);

/// <summary>Maps <see cref="RelayAssignment"/> to its wire form.</summary>
[RegisterConverter]
public sealed class RelayAssignmentConverter : IConverter<RelayAssignment, RelayAssignmentSurrogate>
{
    /// <inheritdoc />
    public RelayAssignment ConvertFromSurrogate(in RelayAssignmentSurrogate surrogate) => new(surrogate.RelayId, surrogate.Epoch, surrogate.Reason, surrogate.At);

    /// <inheritdoc />
    public RelayAssignmentSurrogate ConvertToSurrogate(in RelayAssignment value) => new(value.RelayId, value.Epoch, value.Reason, value.At);
}

/// <summary>Passes a <see cref="RelayAssignment"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class RelayAssignmentCopier : ShallowCopier<RelayAssignment>;

/// <summary>Wire form of <see cref="ResultClaim"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.ResultClaim")]
public readonly record struct ResultClaimSurrogate([property: Id(0)] string Player, [property: Id(1)] string Result);

/// <summary>Maps <see cref="ResultClaim"/> to its wire form.</summary>
[RegisterConverter]
public sealed class ResultClaimConverter : IConverter<ResultClaim, ResultClaimSurrogate>
{
    /// <inheritdoc />
    public ResultClaim ConvertFromSurrogate(in ResultClaimSurrogate surrogate) => new(surrogate.Player, surrogate.Result);

    /// <inheritdoc />
    public ResultClaimSurrogate ConvertToSurrogate(in ResultClaim value) => new(value.Player, value.Result);
}

/// <summary>Passes a <see cref="ResultClaim"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class ResultClaimCopier : ShallowCopier<ResultClaim>;

/// <summary>Wire form of <see cref="GameView"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.GameView")]
public readonly record struct GameViewSurrogate(
    [property: Id(0)] string GameId, [property: Id(1)] GameSpec Spec, [property: Id(2)] GameState State, [property: Id(3)] string ToMove,
    [property: Id(4)] PlayedMove[] Moves, [property: Id(5)] string? EndedBy, [property: Id(6)] ResultClaim[] Claims, [property: Id(7)] string? Result,
    [property: Id(8)] bool Consensus, [property: Id(9)] bool Rated, [property: Id(10)] RelayAssignment? BlackRelay,
    [property: Id(11)] RelayAssignment? WhiteRelay, [property: Id(12)] DateTimeOffset CreatedAt, [property: Id(13)] DateTimeOffset? EndedAt);

/// <summary>Maps <see cref="GameView"/> to its wire form.</summary>
[RegisterConverter]
public sealed class GameViewConverter : IConverter<GameView, GameViewSurrogate>
{
    /// <inheritdoc />
    public GameView ConvertFromSurrogate(in GameViewSurrogate surrogate) => new(
        surrogate.GameId, surrogate.Spec, surrogate.State, surrogate.ToMove, surrogate.Moves ?? [], surrogate.EndedBy, surrogate.Claims ?? [],
        surrogate.Result, surrogate.Consensus, surrogate.Rated, surrogate.BlackRelay, surrogate.WhiteRelay, surrogate.CreatedAt, surrogate.EndedAt);

    /// <inheritdoc />
    public GameViewSurrogate ConvertToSurrogate(in GameView value) => new(
        value.GameId, value.Spec, value.State, value.ToMove, [.. value.Moves], value.EndedBy, [.. value.Claims], value.Result,
        value.Consensus, value.Rated, value.BlackRelay, value.WhiteRelay, value.CreatedAt, value.EndedAt);
}

/// <summary>Passes a <see cref="GameView"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class GameViewCopier : ShallowCopier<GameView>;

/// <summary>Wire form of <see cref="MoveSubmission"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.MoveSubmission")]
public readonly record struct MoveSubmissionSurrogate([property: Id(0)] string Player, [property: Id(1)] int MoveNumber, [property: Id(2)] string Move);

/// <summary>Maps <see cref="MoveSubmission"/> to its wire form.</summary>
[RegisterConverter]
public sealed class MoveSubmissionConverter : IConverter<MoveSubmission, MoveSubmissionSurrogate>
{
    /// <inheritdoc />
    public MoveSubmission ConvertFromSurrogate(in MoveSubmissionSurrogate surrogate) => new(surrogate.Player, surrogate.MoveNumber, surrogate.Move);

    /// <inheritdoc />
    public MoveSubmissionSurrogate ConvertToSurrogate(in MoveSubmission value) => new(value.Player, value.MoveNumber, value.Move);
}

/// <summary>Passes a <see cref="MoveSubmission"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class MoveSubmissionCopier : ShallowCopier<MoveSubmission>;

/// <summary>Wire form of <see cref="MoveAccepted"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.MoveAccepted")]
public readonly record struct MoveAcceptedSurrogate(
    [property: Id(0)] string GameId, [property: Id(1)] PlayedMove Move, [property: Id(2)] GameState State, [property: Id(3)] string? Result,
    [property: Id(4)] bool Repeated);

/// <summary>Maps <see cref="MoveAccepted"/> to its wire form.</summary>
[RegisterConverter]
public sealed class MoveAcceptedConverter : IConverter<MoveAccepted, MoveAcceptedSurrogate>
{
    /// <inheritdoc />
    public MoveAccepted ConvertFromSurrogate(in MoveAcceptedSurrogate surrogate) => new(surrogate.GameId, surrogate.Move, surrogate.State, surrogate.Result, surrogate.Repeated);

    /// <inheritdoc />
    public MoveAcceptedSurrogate ConvertToSurrogate(in MoveAccepted value) => new(value.GameId, value.Move, value.State, value.Result, value.Repeated);
}

/// <summary>Passes a <see cref="MoveAccepted"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class MoveAcceptedCopier : ShallowCopier<MoveAccepted>;

/// <summary>Wire form of <see cref="GameEvent"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.GameEvent")]
public readonly record struct GameEventSurrogate(
    [property: Id(0)] string Type, [property: Id(1)] string GameId, [property: Id(2)] GameState State, [property: Id(3)] PlayedMove? Move,
    [property: Id(4)] string? Result, [property: Id(5)] string? Player, [property: Id(6)] RelayAssignment? Relay, [property: Id(7)] string? Address);

/// <summary>Maps <see cref="GameEvent"/> to its wire form.</summary>
[RegisterConverter]
public sealed class GameEventConverter : IConverter<GameEvent, GameEventSurrogate>
{
    /// <inheritdoc />
    public GameEvent ConvertFromSurrogate(in GameEventSurrogate surrogate) =>
        new(surrogate.Type, surrogate.GameId, surrogate.State, surrogate.Move, surrogate.Result, surrogate.Player, surrogate.Relay, surrogate.Address);

    /// <inheritdoc />
    public GameEventSurrogate ConvertToSurrogate(in GameEvent value) =>
        new(value.Type, value.GameId, value.State, value.Move, value.Result, value.Player, value.Relay, value.Address);
}

/// <summary>Passes a <see cref="GameEvent"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class GameEventCopier : ShallowCopier<GameEvent>;

/// <summary>Wire form of <see cref="RelayRegistration"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.RelayRegistration")]
public readonly record struct RelayRegistrationSurrogate(
    [property: Id(0)] string RelayId, [property: Id(1)] string PublicKey, [property: Id(2)] string Region, [property: Id(3)] double Latitude,
    [property: Id(4)] double Longitude, [property: Id(5)] int Capacity, [property: Id(6)] double BandwidthMbps, [property: Id(7)] bool FlEnabled,
    [property: Id(8)] string Address, [property: Id(9)] long StakedTokens, [property: Id(10)] RelayRole Role);

/// <summary>Maps <see cref="RelayRegistration"/> to its wire form.</summary>
[RegisterConverter]
public sealed class RelayRegistrationConverter : IConverter<RelayRegistration, RelayRegistrationSurrogate>
{
    /// <inheritdoc />
    public RelayRegistration ConvertFromSurrogate(in RelayRegistrationSurrogate surrogate) => new(
        surrogate.RelayId, surrogate.PublicKey, surrogate.Region, surrogate.Latitude, surrogate.Longitude, surrogate.Capacity, surrogate.BandwidthMbps,
        surrogate.FlEnabled, surrogate.Address, surrogate.StakedTokens, surrogate.Role);

    /// <inheritdoc />
    public RelayRegistrationSurrogate ConvertToSurrogate(in RelayRegistration value) => new(
        value.RelayId, value.PublicKey, value.Region, value.Latitude, value.Longitude, value.Capacity, value.BandwidthMbps, value.FlEnabled,
        value.Address, value.StakedTokens, value.Role);
}

/// <summary>Passes a <see cref="RelayRegistration"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class RelayRegistrationCopier : ShallowCopier<RelayRegistration>;

/// <summary>Wire form of <see cref="RelayHeartbeat"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.RelayHeartbeat")]
public readonly record struct RelayHeartbeatSurrogate(
    [property: Id(0)] int Sessions, [property: Id(1)] double LatencyMs, [property: Id(2)] double BandwidthMbps, [property: Id(3)] int Circuits,
    [property: Id(4)] double CpuPercent);

/// <summary>Maps <see cref="RelayHeartbeat"/> to its wire form.</summary>
[RegisterConverter]
public sealed class RelayHeartbeatConverter : IConverter<RelayHeartbeat, RelayHeartbeatSurrogate>
{
    /// <inheritdoc />
    public RelayHeartbeat ConvertFromSurrogate(in RelayHeartbeatSurrogate surrogate) =>
        new(surrogate.Sessions, surrogate.LatencyMs, surrogate.BandwidthMbps, surrogate.Circuits, surrogate.CpuPercent);

    /// <inheritdoc />
    public RelayHeartbeatSurrogate ConvertToSurrogate(in RelayHeartbeat value) =>
        new(value.Sessions, value.LatencyMs, value.BandwidthMbps, value.Circuits, value.CpuPercent);
}

/// <summary>Passes a <see cref="RelayHeartbeat"/> as it is (immutable).</summary>
[RegisterCopier]
public sealed class RelayHeartbeatCopier : ShallowCopier<RelayHeartbeat>;
