using System.Text;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Sgf;

namespace OrleansGoRelay.Tests.Go;

public sealed class SgfTests
{
    [Fact]
    public void VariationsEscapesAndSetupAreReadAndTheMainLineIsTheFirstChild()
    {
        var game = SgfParser.Parse(@"(;FF[4]GM[1]SZ[9]C[a \] bracket and a \\ backslash, soft\
break]AB[aa][bb:cc]AW[ee];B[dd](;W[ef];B[];W[tt])(;W[fe]C[variation]))").Single();
        Assert.Equal("a ] bracket and a \\ backslash, softbreak", game["C"]);
        Assert.Equal(2, game.Children[0].Children.Count);
        Assert.Equal("variation", game.Children[0].Children[1]["C"]);
        var record = GameImporter.Import(game);
        Assert.Equal(9, record.Size);
        Assert.Equal(["B[dd]", "W[ef]", "B[]", "W[]"], record.Moves.Select(m => m.ToString()));
        Assert.Equal(6, record.Setup.Count); // aa, the 2x2 rectangle bb:cc, ee
        Assert.True(record.Moves[3].IsPass, "tt is a pass on 9x9");
    }

    [Fact]
    public void Ff3LowerCaseIdentifiersAndLatin1CharsetAreHonoured()
    {
        var latin1 = Encoding.Latin1.GetBytes("(;FF[3]CA[ISO-8859-1]GaMe[1]PlayerBlack[Jos\u00e9];B[aa])");
        var game = SgfParser.Parse(latin1).Single();
        Assert.Equal("1", game["GM"]);
        Assert.Equal("Jos\u00e9", game["PB"]);
        // Without CA, bytes that are not UTF-8 survive as Latin-1 and the writer round-trips them.
        var mojibake = new byte[] { (byte)'(', (byte)';', (byte)'P', (byte)'B', (byte)'[', 0xC0, 0xFE, (byte)']', (byte)')' };
        var parsed = SgfParser.Parse(mojibake).Single();
        Assert.True(parsed.TreeEquals(SgfParser.Parse(SgfWriter.WriteBytes(parsed)).Single()));
    }

    [Theory]
    [InlineData("(;GM[1]\n;B[aa]C[unclosed", 1, 2, 8, "not closed")]
    [InlineData("(;GM[1])\n(;GM[1];B[aa]XY)", 2, 2, 14, "has no value")]
    [InlineData("(;GM[1];B[aa]", 1, 1, 1, "not closed")]
    [InlineData("(;GM[1]();B[aa])", 1, 1, 9, "must start with a node")]
    [InlineData("just text", 1, 1, 1, "no SGF game tree")]
    public void MalformedInputNamesTheGameLineAndColumn(string text, int game, int line, int column, string reason)
    {
        var error = Assert.Throws<SgfParseException>(() => SgfParser.Parse(text));
        Assert.Equal((game, line, column), (error.GameNumber, error.Line, error.Column));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KM[375]HA[0]RU[Chinese]", 7.5)]
    [InlineData("KM[325]HA[2]RU[Chinese]", 6.5)]
    [InlineData("KM[650]HA[0]RU[Japanese]", 6.5)]
    [InlineData("KM[0]HA[3]RU[Japanese]", 0)]
    [InlineData("KM[6.5]", 6.5)]
    public void FoxKomiIsNormalisedToPoints(string properties, double komi)
    {
        var record = GameImporter.Import(SgfParser.Parse($"(;GM[1]SZ[19]{properties};B[pd])").Single());
        Assert.Equal(komi, record.Komi);
    }

    [Theory]
    [InlineData("P9段", "9p")]
    [InlineData("9段", "9d")]
    [InlineData("18级", "18k")]
    [InlineData("9d", "9d")]
    [InlineData("3k", "3k")]
    [InlineData("1p", "1p")]
    [InlineData("5 dan", "5d")]
    [InlineData("2k*", "2k")]
    [InlineData("NR", null)]
    [InlineData("", null)]
    public void RanksInRealRecordsAreRead(string text, string? rank)
    {
        Assert.Equal(rank, OrleansGoRelay.Go.Ratings.Rank.Parse(text)?.ToString());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void EveryGameOfTheSharedDataRoundTripsThroughTheWriter()
    {
        var trees = 0;
        foreach (var file in GoData.Files)
        {
            foreach (var entry in SgfParser.ReadFile(file).Where(e => e.Game is not null))
            {
                var again = SgfParser.Parse(SgfWriter.WriteBytes(entry.Game!)).Single();
                Assert.True(entry.Game!.TreeEquals(again), $"{file} game {entry.GameNumber} changed in a round trip");
                trees++;
            }
        }
        Assert.True(trees > 45_000, $"only {trees} trees read");
    }

    [Fact]
    public void TenThousandMutatedInputsGiveAGameOrAParseErrorAndNeverHang()
    {
        var seeds = GoData.Games.Where(g => g.File.StartsWith("gnugo", StringComparison.Ordinal)).Take(200)
            .Select(g => g.GameNumber).ToHashSet();
        var samples = SgfParser.ReadFile(GoData.File("gnugo-regression.sgf.gz"))
            .Where(e => e.Game is not null && seeds.Contains(e.GameNumber))
            .Select(e => SgfWriter.WriteBytes(e.Game!))
            .ToArray();
        var random = new Random(20261121);
        byte[] alphabet = "()[];\\:ABWabtz \n09+-".Select(c => (byte)c).ToArray();
        int games = 0, errors = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 10_000; i++)
        {
            var input = samples[random.Next(samples.Length)].ToList();
            var mutations = random.Next(1, 6);
            for (var m = 0; m < mutations && input.Count > 0; m++)
            {
                var at = random.Next(input.Count);
                switch (random.Next(4))
                {
                    case 0: input.RemoveAt(at); break;
                    case 1: input.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    case 2: input[at] = (byte)random.Next(256); break;
                    default: input.RemoveRange(at, Math.Min(random.Next(1, 40), input.Count - at)); break;
                }
            }
            try
            {
                foreach (var entry in SgfParser.Read([.. input]))
                {
                    if (entry.Game is null)
                    {
                        errors++;
                        continue;
                    }
                    try
                    {
                        GameImporter.Import(entry.Game);
                        games++;
                    }
                    catch (GameImportException)
                    {
                        errors++;
                    }
                }
            }
            catch (SgfParseException)
            {
                errors++;
            }
        }
        Assert.True(games > 1000 && errors > 1000, $"{games} games, {errors} errors: the mutations should produce both");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "parsing 10,000 small inputs must not take minutes (a hang)");
    }

    [Fact]
    public void OneGamePerLineQuirksOfTheFoxFileAreRepaired()
    {
        // A line that lost its ')' and one that lost its '(': both games still read.
        var text = "(;GM[1]FF[4]SZ[19];B[pd];W[dd]\n(;GM[1]FF[4]SZ[19];B[dp])\n;GM[1]FF[4]SZ[19];B[qq])\n";
        var games = SgfParser.Parse(text);
        Assert.Equal(3, games.Count);
        Assert.Equal(Color.Black, GameImporter.Import(games[2]).Moves[0].Player);
    }
}
