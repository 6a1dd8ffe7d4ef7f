using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Grains.Serialization;

// The Go domain library stays free of Orleans: its types that cross grain calls travel as these surrogates, which
// Orleans' code generator serialises and the converters below map to and from the domain types.

/// <summary>Wire form of <see cref="GameClass"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.GameClass")]
public readonly record struct GameClassSurrogate([property: Id(0)] int Value);

/// <summary>Maps <see cref="GameClass"/> to its wire form.</summary>
[RegisterConverter]
public sealed class GameClassConverter : IConverter<GameClass, GameClassSurrogate>
{
    /// <inheritdoc />
    public GameClass ConvertFromSurrogate(in GameClassSurrogate surrogate) => (GameClass)surrogate.Value;

    /// <inheritdoc />
    public GameClassSurrogate ConvertToSurrogate(in GameClass value) => new((int)value);
}

/// <summary>Wire form of <see cref="PhaseTransitions"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.PhaseTransitions")]
public readonly record struct PhaseTransitionsSurrogate([property: Id(0)] int OpeningToMiddle, [property: Id(1)] int MiddleToEnd, [property: Id(2)] int End);

/// <summary>Maps <see cref="PhaseTransitions"/> to its wire form.</summary>
[RegisterConverter]
public sealed class PhaseTransitionsConverter : IConverter<PhaseTransitions, PhaseTransitionsSurrogate>
{
    /// <inheritdoc />
    public PhaseTransitions ConvertFromSurrogate(in PhaseTransitionsSurrogate surrogate) => new(surrogate.OpeningToMiddle, surrogate.MiddleToEnd, surrogate.End);

    /// <inheritdoc />
    public PhaseTransitionsSurrogate ConvertToSurrogate(in PhaseTransitions value) => new(value.OpeningToMiddle, value.MiddleToEnd, value.End);
}

/// <summary>Wire form of <see cref="Shapes"/>.</summary>
[GenerateSerializer, Immutable, Alias("gorelay.Shapes")]
public readonly record struct ShapesSurrogate(
    [property: Id(0)] int Eyes, [property: Id(1)] int FalseEyes, [property: Id(2)] int Ladders, [property: Id(3)] int KoCaptures, [property: Id(4)] int SekiCandidates);

/// <summary>Maps <see cref="Shapes"/> to its wire form.</summary>
[RegisterConverter]
public sealed class ShapesConverter : IConverter<Shapes, ShapesSurrogate>
{
    /// <inheritdoc />
    public Shapes ConvertFromSurrogate(in ShapesSurrogate surrogate) =>
        new(surrogate.Eyes, surrogate.FalseEyes, surrogate.Ladders, surrogate.KoCaptures, surrogate.SekiCandidates);

    /// <inheritdoc />
    public ShapesSurrogate ConvertToSurrogate(in Shapes value) => new(value.Eyes, value.FalseEyes, value.Ladders, value.KoCaptures, value.SekiCandidates);
}

/// <summary>Wire form of <see cref="GameFeatures"/>.</summary>
[GenerateSerializer, Alias("gorelay.GameFeatures")]
public readonly record struct GameFeaturesSurrogate(
    [property: Id(0)] byte OpeningId, [property: Id(1)] string Opening, [property: Id(2)] int FightingIntensity, [property: Id(3)] int Captures,
    [property: Id(4)] int KoFights, [property: Id(5)] int TerritoryBalance, [property: Id(6)] PhaseTransitions Phases, [property: Id(7)] int Complexity,
    [property: Id(8)] int[] Heatmap, [property: Id(9)] Shapes Shapes);

/// <summary>Maps <see cref="GameFeatures"/> to its wire form.</summary>
[RegisterConverter]
public sealed class GameFeaturesConverter : IConverter<GameFeatures, GameFeaturesSurrogate>
{
    /// <inheritdoc />
    public GameFeatures ConvertFromSurrogate(in GameFeaturesSurrogate surrogate) => new(
        surrogate.OpeningId, surrogate.Opening, surrogate.FightingIntensity, surrogate.Captures, surrogate.KoFights, surrogate.TerritoryBalance,
        surrogate.Phases, surrogate.Complexity, surrogate.Heatmap, surrogate.Shapes);

    /// <inheritdoc />
    public GameFeaturesSurrogate ConvertToSurrogate(in GameFeatures value) => new(
        value.OpeningId, value.Opening, value.FightingIntensity, value.Captures, value.KoFights, value.TerritoryBalance,
        value.Phases, value.Complexity, value.Heatmap, value.Shapes);
}
