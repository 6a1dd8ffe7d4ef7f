using OrleansGoRelay.Contracts.Inference;
using OrleansGoRelay.Learning.Inference;

namespace OrleansGoRelay.Tests.Learning;

/// <summary>Positions for the paid inference: only legal positions are asked about, only legal moves suggested, and batching changes no answer.</summary>
public sealed class PositionQueryTests
{
    private static readonly string ShippedModel = Path.Combine(OrleansGoRelay.Tests.Infrastructure.TestEnvironment.RepositoryRoot, "models", "baseline", "model.onnx");

    private static PredictRequest Request(IReadOnlyList<string>? moves = null, PositionSetup? setup = null, string toPlay = "B", int size = 19) =>
        new(null, size, 7.5, "chinese", setup, moves, toPlay);

    [Theory]
    [InlineData(9, null, null, "B", "wrong_board_size")]
    [InlineData(19, "D4,Q16,D4", null, "W", "illegal_move")]
    [InlineData(19, "D4,Z99", null, "B", "invalid_vertex")]
    [InlineData(19, "D4", "D4", "W", "illegal_move")]
    [InlineData(19, null, "D4,D4", "W", "occupied_point")]
    [InlineData(19, null, null, "X", "invalid_to_play")]
    public void APositionThatCannotOccurIsRefusedWithItsReason(int size, string? moves, string? blackSetup, string toPlay, string code)
    {
        var request = Request(moves?.Split(','), blackSetup is null ? null : new PositionSetup(blackSetup.Split(',')), toPlay, size);
        var refused = Assert.Throws<PositionRefusedException>(() => PositionQuery.From(request, 19));
        Assert.Equal(code, refused.Code);
    }

    [Fact]
    public void ASetupStoneWithoutALibertyIsRefused()
    {
        // White's A1 is surrounded by Black's A2 and B1.
        var setup = new PositionSetup(["A2", "B1"], ["A1"]);
        Assert.Equal("illegal_setup", Assert.Throws<PositionRefusedException>(() => PositionQuery.From(Request(setup: setup, toPlay: "W"), 19)).Code);
    }

    [Fact]
    public void HugePositionsAreRefusedBeforeAnyWork() =>
        Assert.Equal("too_many_moves", Assert.Throws<PositionRefusedException>(() => PositionQuery.From(Request(Enumerable.Repeat("pass", PositionQuery.MaxMoves + 1).ToList()), 19)).Code);

    [Fact]
    public async Task TheShippedModelSuggestsOnlyLegalMovesAndBatchingChangesNoAnswer()
    {
        using var model = OnnxMovePredictor.Load(ShippedModel);
        await using var batching = new BatchingPredictor(model, maxBatch: 8);
        // Black to play with the 4-4 points and their neighbourhoods occupied: none of those may be suggested.
        var occupied = new[] { "D4", "Q16", "D16", "Q4", "C3", "R17", "C17", "R3", "K10" };
        var queries = Enumerable.Range(0, 24).Select(i => PositionQuery.From(
            Request(setup: new PositionSetup(occupied[..(i % occupied.Length)].ToList(), ["E5", "O15"]), toPlay: i % 2 == 0 ? "B" : "W"), 19)).ToList();

        var batched = await Task.WhenAll(queries.Select(q => batching.PredictAsync(q.Planes())));
        for (var i = 0; i < queries.Count; i++)
        {
            var alone = model.Predict(queries[i].Planes(), 1)[0];
            Assert.Equal(alone.Value, batched[i].Value, 4);
            var (moves, win) = queries[i].Answer(batched[i], topK: 5);
            Assert.Equal(5, moves.Count);
            Assert.InRange(win, 0, 1);
            Assert.True(moves.Zip(moves.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
            foreach (var move in moves.Where(m => m.Move != "pass"))
            {
                Assert.DoesNotContain(move.Move, occupied[..(i % occupied.Length)]);
                Assert.NotEqual("E5", move.Move);
            }
        }
        Assert.True(batching.MeanBatch >= 1);
    }
}
