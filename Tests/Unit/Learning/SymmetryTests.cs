using OrleansGoRelay.Tests.Go;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Tests.Learning;

public sealed class SymmetryTests
{
    [Theory]
    [InlineData(9)]
    [InlineData(19)]
    public void EverySymmetryIsUndoneByItsInverseAndThePassStaysPut(int size)
    {
        for (var s = 0; s < Symmetry.Count; s++)
        {
            for (var point = 0; point <= size * size; point++)
            {
                Assert.Equal(point, Symmetry.Apply(Symmetry.Inverse(s), size, Symmetry.Apply(s, size, point)));
            }
            Assert.Equal(size * size, Symmetry.Apply(s, size, size * size));
        }
    }

    [Fact]
    public void TheEightSymmetriesAreDistinct()
    {
        var images = Enumerable.Range(0, Symmetry.Count).Select(s => Symmetry.Apply(s, 19, 2 * 19 + 1)).ToHashSet();
        Assert.Equal(Symmetry.Count, images.Count);
    }

    [Fact]
    public void PlanesRoundTripThroughASymmetryAndItsInverse()
    {
        var random = new Random(7);
        var planes = new byte[InputPlanes.Count * 361];
        random.NextBytes(planes);
        for (var s = 0; s < Symmetry.Count; s++)
        {
            var turned = new byte[planes.Length];
            var back = new byte[planes.Length];
            Symmetry.ApplyToPlanes<byte>(s, 19, InputPlanes.Count, planes, turned);
            Symmetry.ApplyToPlanes<byte>(Symmetry.Inverse(s), 19, InputPlanes.Count, turned, back);
            Assert.Equal(planes, back);
        }
    }

    [Fact]
    public void EncodingATransformedGameEqualsTransformingTheEncodingOfARealGame()
    {
        var game = GameImporter.ReadFile(GoData.File("tom-9d-2003-2009.sgf.gz")).First(g => g.Game is { Moves.Length: > 80 }).Game!;
        for (var s = 0; s < Symmetry.Count; s++)
        {
            var original = new Board(19);
            var transformed = new Board(19);
            var moves = game.Moves.Take(80).ToArray();
            var turnedMoves = moves.Select(m => m.IsPass ? m : new Move(m.Player, InputPlanes.PointOf(Symmetry.Apply(s, 19, InputPlanes.MoveIndex(m, 19)), 19))).ToArray();
            for (var i = 0; i < moves.Length; i++)
            {
                Assert.Equal(MoveLegality.Legal, original.Play(moves[i]));
                Assert.Equal(MoveLegality.Legal, transformed.Play(turnedMoves[i]));
            }
            var recent = moves.Reverse().Take(InputPlanes.HistoryLength).ToArray();
            var turnedRecent = turnedMoves.Reverse().Take(InputPlanes.HistoryLength).ToArray();
            var planes = new byte[InputPlanes.Count * 361];
            var expected = new byte[planes.Length];
            var actual = new byte[planes.Length];
            InputPlanes.Encode(original, game.Moves[80].Player, recent, planes);
            Symmetry.ApplyToPlanes<byte>(s, 19, InputPlanes.Count, planes, expected);
            InputPlanes.Encode(transformed, game.Moves[80].Player, turnedRecent, actual);
            Assert.Equal(expected, actual);
        }
    }
}
