using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Tests.Go;

public sealed class HandicapImportTests
{
    private static GameRecord Import(string sgf) => GameImporter.Import(SgfParser.Parse(sgf).Single());

    private static string Sgf(Point point) => string.Concat((char)('a' + point.X), (char)('a' + point.Y));

    [Fact]
    public void SixStonesWithoutSetupStandWhereTheMovesShowThemOnly()
    {
        var standard = Handicap.FixedPoints(19, 6);
        var turned = standard.Select(p => new Point(p.Y, p.X)).ToList();
        var onlyStandard = standard.First(p => !turned.Contains(p));
        var onlyTurned = turned.First(p => !standard.Contains(p));

        // White plays onto a point of the standard placement: the stones must have stood the other way.
        var game = Import($"(;GM[1]SZ[19]HA[6]KM[0];W[{Sgf(onlyStandard)}];B[jj])");
        Assert.Equal(HandicapSetup.DecidedByPlay, game.HandicapSetup);
        Assert.Equal(turned.OrderBy(p => (p.Y, p.X)).ToList(), game.Setup.Where(s => s.BeforeMove == 0).Select(s => s.Point).OrderBy(p => (p.Y, p.X)).ToList());

        game = Import($"(;GM[1]SZ[19]HA[6]KM[0];W[{Sgf(onlyTurned)}];B[jj])");
        Assert.Equal(HandicapSetup.DecidedByPlay, game.HandicapSetup);
        Assert.Equal(standard.OrderBy(p => (p.Y, p.X)).ToList(), game.Setup.Where(s => s.BeforeMove == 0).Select(s => s.Point).OrderBy(p => (p.Y, p.X)).ToList());
    }

    [Fact]
    public void SevenStonesTheMovesCannotPlaceAreMarkedUnknownAndKeptOutOfTraining()
    {
        var game = Import("(;GM[1]SZ[19]HA[7]KM[0];W[cc];B[qc])");
        Assert.Equal(HandicapSetup.Unknown, game.HandicapSetup);
        Assert.Equal(7, game.Setup.Count(s => s.BeforeMove == 0 && s.Stone == Stone.Black));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(9)]
    public void SymmetricPlacementsAreTheFixedPointsAndARecordedSetupIsKept(int stones)
    {
        Assert.Equal(HandicapSetup.FixedPoints, Import($"(;GM[1]SZ[19]HA[{stones}]KM[0];W[cc])").HandicapSetup);
        Assert.Equal(HandicapSetup.Recorded, Import("(;GM[1]SZ[19]HA[2]AB[dd][pp];W[cc])").HandicapSetup);
    }
}
