using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Tests.Go;

/// <summary>The style profile (<see cref="PlayerStyle"/>) and the board maps the pictures draw, on real records and small positions.</summary>
public sealed class PlayerStyleTests
{
    private static GameRecord Sgf(string body) => GameImporter.Import(SgfParser.Parse($"(;GM[1]FF[4]SZ[19]KM[7.5]PB[ann]PW[bob]RE[B+R]{body})")[0]);

    // The player with the most games in the Tom collection, and those games: a real player's record to profile.
    private static (string Player, List<GameRecord> Games) MostFrequentTomPlayer()
    {
        var tom = GoData.Games.Where(g => g.File == "tom-9d-2003-2009.sgf.gz" && g.Record.Size == 19).Select(g => g.Record).Take(3000).ToList();
        var player = tom.SelectMany(r => new[] { r.Black, r.White }).Where(n => !string.IsNullOrEmpty(n)).GroupBy(n => n).MaxBy(g => g.Count())!.Key!;
        return (player, [.. tom.Where(r => r.Black == player || r.White == player)]);
    }

    [Fact]
    public void APlayersRealGamesGiveSharesBetweenZeroAndOneAndTempoForRecordsWithoutTimes()
    {
        var (player, games) = MostFrequentTomPlayer();
        Assert.True(games.Count >= 5, $"{player} has {games.Count} games");

        var style = PlayerStyle.Of(player, games.Select(g => StyleGame.For(g, player)!));

        Assert.Equal(games.Count, style.Games);
        Assert.Equal(games.Sum(g => g.Moves.Count(m => m.Player == (g.Black == player ? Color.Black : Color.White))), style.Moves);
        Assert.All(new[] { style.Territorial.LowLineShare, style.Territorial.SecuredShare, style.Territorial.Score, style.Fighting.ContactRate,
            style.Fighting.AtariRate, style.Fighting.CaptureRate, style.Fighting.Score, style.Speed.TenukiRate }, share => Assert.InRange(share, 0, 1));
        // Real 9-dan games: contact is common, and any move that ataris or captures is also counted in the fighting score.
        Assert.InRange(style.Fighting.ContactRate, 0.2, 0.9);
        Assert.True(style.Fighting.Score >= Math.Max(style.Fighting.ContactRate, Math.Max(style.Fighting.AtariRate, style.Fighting.CaptureRate)));
        Assert.Equal("tempo", style.Speed.Basis);
        Assert.Null(style.Speed.MedianSecondsPerMove);
        Assert.Null(style.Consistency); // no model measured the moves
    }

    [Fact]
    public void LinesCountFromTheNearestEdge()
    {
        Assert.Equal(1, PlayerStyle.LineOf(Point.FromGtp("A1", 19), 19));
        Assert.Equal(3, PlayerStyle.LineOf(Point.FromGtp("R3", 19), 19));
        Assert.Equal(4, PlayerStyle.LineOf(Point.FromGtp("D16", 19), 19));
        Assert.Equal(10, PlayerStyle.LineOf(Point.FromGtp("K10", 19), 19));
    }

    [Fact]
    public void OpeningMovesOnTheThirdLineAreTerritorialAndOnTheFourthAreNot()
    {
        // Black (ann) takes 3-3 and 3-4 points, White (bob) 4-4 and 4-5 points.
        var record = Sgf(";B[cc];W[dp];B[qc];W[pp];B[cq];W[pd];B[qq];W[jd];B[cj];W[pj]");
        var ann = PlayerStyle.Of("ann", [StyleGame.For(record, "ann")!]);
        var bob = PlayerStyle.Of("bob", [StyleGame.For(record, "bob")!]);
        Assert.Equal(1, ann.Territorial.LowLineShare);
        Assert.Equal(0, bob.Territorial.LowLineShare);
        Assert.True(ann.Territorial.Score > bob.Territorial.Score);
    }

    [Fact]
    public void ContactAtariAndCaptureAreCountedPerBoardMove()
    {
        // Black plays D5 before White's D4 arrives, then C4 touches it, E4 ataris it and D3 captures it (after the capture
        // nothing of White's touches D3: a capture is counted as a capture, not as contact).
        var record = Sgf(";B[do];W[dp];B[cp];W[qq];B[ep];W[qc];B[dq]");
        var style = PlayerStyle.Of("ann", [StyleGame.For(record, "ann")!]);
        Assert.Equal(4, style.Moves);
        Assert.Equal(0.5, style.Fighting.ContactRate);
        Assert.Equal(0.25, style.Fighting.AtariRate);
        Assert.Equal(0.25, style.Fighting.CaptureRate);
        Assert.Equal(0.75, style.Fighting.Score);
    }

    [Fact]
    public void MoveTimesMakeSpeedAClockMeasureAndQualitiesGiveConsistencyAcrossGames()
    {
        var record = Sgf(";B[pd];W[dp];B[pp];W[dd]");
        double?[] seconds = [2, 10, 4, 10]; // Black took 2 and 4 s
        var sharp = StyleGame.For(record, "ann", seconds, [1, double.NaN, 1, double.NaN])!;
        var loose = StyleGame.For(record, "ann", seconds, [0.5, double.NaN, 0.5, double.NaN])!;

        var style = PlayerStyle.Of("ann", [sharp, loose]);

        Assert.Equal(("clock", 3.0, 3.0), (style.Speed.Basis, style.Speed.MedianSecondsPerMove!.Value, style.Speed.MeanSecondsPerMove!.Value));
        var consistency = Assert.IsType<ConsistencyStyle>(style.Consistency);
        Assert.Equal(2, consistency.GamesMeasured);
        Assert.Equal(0.75, consistency.MeanQuality);
        Assert.Equal(0.25, consistency.StdDevAcrossGames); // the two games' means, 1 and 0.5
        Assert.Equal(0.5, consistency.ModelAgreement);
        Assert.Null(PlayerStyle.Of("ann", [sharp]).Consistency!.StdDevAcrossGames); // one game has no spread
    }

    [Fact]
    public void AGameThePlayerDidNotPlayIsNotTheirs() => Assert.Null(StyleGame.For(Sgf(";B[pd]"), "carol"));

    [Fact]
    public void TheInfluenceMapIsPositiveWhereBlackStandsAndNegativeWhereWhiteDoes()
    {
        // Black holds the lower left, White the upper right.
        var record = Sgf(";B[cq];W[qc];B[dp];W[pd];B[cp];W[qd]");
        var map = BoardMaps.Influence(record);
        Assert.Equal(6, map.MoveNumber);
        Assert.True(map[Point.FromGtp("B2", 19)] > 0, "B2 next to Black's corner");
        Assert.True(map[Point.FromGtp("S18", 19)] < 0, "S18 next to White's corner");
        Assert.Equal(0, map[Point.FromGtp("K10", 19)]);
        // After move 2 only one stone each: the same sign, before the later moves.
        Assert.True(BoardMaps.Influence(record, 2)[Point.FromGtp("B2", 19)] > 0);
    }

    [Fact]
    public void TheMovesMapHoldsTheMoveThatFirstTookEachPoint()
    {
        var record = Sgf(";B[pd];W[dp];B[pp]");
        var map = BoardMaps.Moves(record);
        Assert.Equal(1, map[Point.FromGtp("Q16", 19)]);
        Assert.Equal(2, map[Point.FromGtp("D4", 19)]);
        Assert.Equal(3, map[Point.FromGtp("Q4", 19)]);
        Assert.True(double.IsNaN(map[Point.FromGtp("K10", 19)]));
        Assert.Equal(2, BoardMaps.Moves(record, 2).MoveNumber);
    }
}
