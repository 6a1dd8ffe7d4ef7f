using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains.Serialization;

namespace OrleansGoRelay.Tests.Serialization;

/// <summary>
/// The wire contracts know nothing of Orleans; their types cross grain calls through the surrogates and shallow
/// copiers in Grains.Interfaces/Serialization/ContractSurrogates.cs. These tests take each through Orleans' own
/// serializer and copier.
/// </summary>
public sealed class ContractSerializationTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2026, 11, 21, 10, 30, 15, TimeSpan.Zero);

    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(GameViewSurrogate).Assembly))
        .BuildServiceProvider();

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    private DeepCopier Copier => _services.GetRequiredService<DeepCopier>();

    public void Dispose() => _services.Dispose();

    private T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;

    private static readonly PlayedMove[] Played =
    [
        new(1, "B", "E5", Created.AddSeconds(1)),
        new(2, "W", "C3", Created.AddSeconds(2)),
        new(3, "B", "pass", Created.AddSeconds(3)),
    ];

    /// <summary>A game with everything set, its lists built as the game grain builds them: collection expressions over the state.</summary>
    private static GameView SampleGame()
    {
        IReadOnlyList<PlayedMove> moves = [.. Played, new(4, "W", "pass", Created.AddSeconds(4))];
        IReadOnlyList<ResultClaim> claims = [.. new[] { new ResultClaim("alice", "B+3.5") }, new ResultClaim("bob", "B+3.5")];
        return new GameView("g-1", new GameSpec("alice", "bob", 9, 6.5, 0, "japanese", true, GameClass.Teaching), GameState.Agreed, "B",
            moves, "passes", claims, "B+3.5", true, true, new RelayAssignment("r1", 1, "connected", Created),
            new RelayAssignment("r2", 2, "failover", Created.AddSeconds(2)), Created, Created.AddSeconds(5));
    }

    private static void AssertSameGame(GameView expected, GameView actual)
    {
        Assert.Equal(expected.Moves, actual.Moves);
        Assert.Equal(expected.Claims, actual.Claims);
        // The lists are compared above; the rest of the record member by member.
        Assert.Equal(expected with { Moves = [], Claims = [] }, actual with { Moves = [], Claims = [] });
    }

    [Fact]
    public void CollectionExpressionListsAreCompilerTypesThatTheSurrogatesCopyIntoArrays()
    {
        var game = SampleGame();
        // The compiler's own read-only list type: what the converters must not hand to Orleans as it is.
        Assert.StartsWith("<>z__", game.Moves.GetType().Name, StringComparison.Ordinal);
        Assert.IsType<PlayedMove[]>(new GameViewConverter().ConvertToSurrogate(game).Moves);
        Assert.IsType<ResultClaim[]>(new GameViewConverter().ConvertToSurrogate(game).Claims);
    }

    [Fact]
    public void AGameViewWithMovesClaimsAndAssignmentsRoundTrips()
    {
        var game = SampleGame();
        var copy = RoundTrip(game);
        AssertSameGame(game, copy);
        Assert.Equal(4, copy.Moves.Count);
        Assert.Equal(GameClass.Teaching, copy.Spec.Type);
        Assert.Equal("failover", copy.WhiteRelay!.Reason);

        // Nothing optional set, and empty lists.
        var fresh = new GameView("g-2", new GameSpec("a", "b", 19, null, 2, "chinese", false), GameState.Playing, "W", [], null, [], null,
            false, false, null, null, Created, null);
        AssertSameGame(fresh, RoundTrip(fresh));
        Assert.Null(RoundTrip(fresh).Spec.Komi);

        // As an untyped value (how Orleans writes a field of a base type): the type travels too.
        Assert.IsType<GameView>(RoundTrip<object>(game));
    }

    [Fact]
    public void EveryContractTypeRoundTrips()
    {
        Assert.All(Enum.GetValues<GameState>(), s => Assert.Equal(s, RoundTrip(s)));
        Assert.All(Enum.GetValues<RelayRole>(), r => Assert.Equal(r, RoundTrip(r)));
        var spec = new GameSpec("a", "b", 13, 7.5, 0, "tromp-taylor", true, GameClass.Dogfight);
        Assert.Equal(spec, RoundTrip(spec));
        Assert.Equal(Played[1], RoundTrip(Played[1]));
        Assert.Equal(new ResultClaim("a", "W+R"), RoundTrip(new ResultClaim("a", "W+R")));
        Assert.Equal(new MoveSubmission("a", 3, "D4"), RoundTrip(new MoveSubmission("a", 3, "D4")));
        var accepted = new MoveAccepted("g", Played[2], GameState.Counting, null, Repeated: true);
        Assert.Equal(accepted, RoundTrip(accepted));
        var registration = new RelayRegistration("r1", "key", "eu-west", 52.37, 4.9, 1024, 100, true, "ws://127.0.0.1:7101", 5_000, RelayRole.Standby);
        Assert.Equal(registration, RoundTrip(registration));
        Assert.Equal(new RelayHeartbeat(10, 1.5, 0, 5, 12.5), RoundTrip(new RelayHeartbeat(10, 1.5, 0, 5, 12.5)));
    }

    [Fact]
    public void GameEventsRoundTripWithAndWithoutTheirOptionalParts()
    {
        var move = new GameEvent("move", "g-1", GameState.Playing, Played[0]);
        var relay = new GameEvent("relay", "g-1", GameState.Playing, Player: "bob", Relay: new RelayAssignment("r2", 2, "failover", Created), Address: "ws://r2");
        var result = new GameEvent("result", "g-1", GameState.Agreed, Result: "B+3.5");
        Assert.Equal(move, RoundTrip(move));
        Assert.Equal(relay, RoundTrip(relay));
        Assert.Equal(result, RoundTrip(result));
    }

    [Fact]
    public void TheCopierPassesImmutableContractValuesAsTheyAre()
    {
        // Shallow: a local grain call hands over the same instance, compiler-made lists included (Orleans has no copier for those).
        var game = SampleGame();
        Assert.Same(game, Copier.Copy(game));
        var gameEvent = new GameEvent("move", "g-1", GameState.Playing, Played[0]);
        Assert.Same(gameEvent, Copier.Copy(gameEvent));
        Assert.Same(game.Spec, Copier.Copy(game.Spec));
        var registration = new RelayRegistration("r1", "key", "eu-west", 0, 0, 1, 1, false, "ws://r1");
        Assert.Same(registration, Copier.Copy(registration));
    }
}
