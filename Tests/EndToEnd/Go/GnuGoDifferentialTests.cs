using OrleansGoRelay.Go.Engines;
using OrleansGoRelay.Go.Records;
using OrleansGoRelay.Go.Rules;
using OrleansGoRelay.Go.Scoring;

namespace OrleansGoRelay.Tests.Go;

/// <summary>The rules engine against GNU Go 3.8 over GTP, on real records and on GNU Go's own games.</summary>
public sealed class GnuGoDifferentialTests
{
    private static readonly RuleSet GnuGoRules = RuleSet.Japanese; // GNU Go: simple ko, no suicide

    [Fact]
    [Trait("Category", "Slow")]
    public void EveryGameReplaysAndEachIllegalMoveIsIllegalForGnuGoToo()
    {
        var replayer = new GameReplayer();
        var illegal = new List<(string File, int Game, GameRecord Record, IllegalMove Move)>();
        long moves = 0;
        foreach (var (file, number, record) in GoData.Games)
        {
            var outcome = replayer.Replay(record, GnuGoRules);
            moves += outcome.MovesPlayed;
            if (outcome.Illegal is { } bad)
            {
                illegal.Add((file, number, record, bad));
            }
        }
        Assert.True(GoData.Games.Count > 45_800, $"{GoData.Games.Count} games imported");
        Assert.True(moves > 9_000_000, $"{moves} moves replayed");
        // Real records are nearly all legal; the few that are not must be confirmed by GNU Go.
        Assert.InRange(illegal.Count, 1, 50);
        using var gnugo = GtpEngine.StartGnuGo();
        foreach (var (file, game, record, move) in illegal)
        {
            GnuGoPositions.PlayTo(gnugo, record, move.MoveNumber - 1);
            var colour = move.Move.Player == Color.Black ? "black" : "white";
            var answer = gnugo.Send($"is_legal {colour} {move.Move.Point.ToGtp(record.Size)}");
            Assert.True(answer == "0", $"{file} game {game} move {move.MoveNumber} {move.Move} is {move.Reason} for us but legal for GNU Go");
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void OnFiveHundredRealPositionsOurLegalMovesEqualGnuGos()
    {
        var random = new Random(3);
        // Positions from every collection and board size, biased towards those with a ko on the board.
        var candidates = GoData.Games.Where(g => g.Record.Moves.Length >= 20 && g.Record.Setup.All(s => s.BeforeMove == 0)).ToList();
        using var gnugo = GtpEngine.StartGnuGo();
        var replayer = new GameReplayer();
        int positions = 0, koPositions = 0, points = 0;
        while (positions < 500)
        {
            var (file, number, record) = candidates[random.Next(candidates.Count)];
            var outcome = replayer.Replay(record, GnuGoRules);
            if (outcome.MovesPlayed < 10)
            {
                continue;
            }
            // Prefer the move right after a ko capture when the game has one.
            var koMove = -1;
            replayer.Replay(record, GnuGoRules, (board, n) => { if (board.KoPoint >= 0 && koMove < 0 && random.Next(3) == 0) { koMove = n; } });
            var at = koMove > 0 ? koMove : random.Next(1, outcome.MovesPlayed + 1);
            Board? position = null;
            replayer.Replay(record, GnuGoRules, (board, n) => { if (n == at) { position = board.Clone(); } });
            var toMove = record.Moves[at - 1].Player.Opponent();
            koPositions += position!.KoPoint >= 0 ? 1 : 0;

            GnuGoPositions.PlayTo(gnugo, record, at);
            var colour = toMove == Color.Black ? "black" : "white";
            var vertices = position.Indices().Select(i => position.PointOf(i)).ToList();
            var answers = gnugo.SendMany([.. vertices.Select(p => $"is_legal {colour} {p.ToGtp(record.Size)}")]);
            for (var i = 0; i < vertices.Count; i++)
            {
                var ours = position.Check(toMove, vertices[i]) == MoveLegality.Legal;
                Assert.True(ours == (answers[i] == "1"), $"{file} game {number} after move {at}: {colour} at {vertices[i].ToGtp(record.Size)} is {(ours ? "legal" : "illegal")} for us, not for GNU Go\n{position}");
            }
            points += vertices.Count;
            positions++;
        }
        Assert.True(koPositions >= 50, $"only {koPositions} positions with a ko");
        Assert.True(points > 100_000, $"{points} points compared");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void OnTwoHundredGnuGoSelfPlayGamesOurAreaScoreEqualsGnuGos()
    {
        // Two engines in parallel halve the time on two cores.
        var results = Enumerable.Range(0, 2).AsParallel().WithDegreeOfParallelism(2).SelectMany(worker =>
        {
            var compared = new List<string>();
            using var gnugo = GtpEngine.StartGnuGo(level: 1, chineseRules: true);
            for (var game = worker; game < 200; game += 2)
            {
                gnugo.SendMany(["boardsize 9", "clear_board", "komi 7.5", $"set_random_seed {game + 1}"]);
                var ours = new Game(9, RuleSet.Chinese, 7.5);
                var colour = Color.Black;
                while (!ours.PlayEnded && ours.Moves.Count < 300)
                {
                    var vertex = gnugo.Send($"genmove {(colour == Color.Black ? "black" : "white")}");
                    if (vertex.Equals("resign", StringComparison.OrdinalIgnoreCase))
                    {
                        break;
                    }
                    var legality = ours.Play(new Move(colour, Point.FromGtp(vertex, 9)));
                    Assert.True(legality == MoveLegality.Legal, $"game {game}: GNU Go played {vertex}, which we call {legality}");
                    colour = colour.Opponent();
                }
                if (!ours.PlayEnded)
                {
                    continue;
                }
                var deadList = gnugo.Send("final_status_list dead");
                var dead = deadList.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => Point.FromGtp(v, 9));
                var score = ours.Finish(dead);
                var theirs = gnugo.Send("final_score");
                var seki = gnugo.Send("final_status_list seki").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => Point.FromGtp(v, 9)).ToHashSet();
                // Area rules count an eye inside a seki for its owner; GNU Go counts it as dame. Take those points
                // out of our count and the rest must agree exactly.
                var margin = score.Margin - SekiEyeMargin(ours.Board, score, seki);
                Assert.True(theirs == GameResult.ByScore(margin).ToString(), $"game {game}: GNU Go counts {theirs}, we count {score.Result} ({GameResult.ByScore(margin)} without seki eyes); dead {deadList.ReplaceLineEndings(" ")}\n{ours.Board}");
                compared.Add(theirs);
            }
            return compared;
        }).ToList();
        Assert.True(results.Count >= 200 * 9 / 10, $"only {results.Count} games ended by two passes");
    }

    // Black's share of the empty points that our count gives to one colour while they touch a stone in seki.
    private static int SekiEyeMargin(Board board, Score score, HashSet<Point> seki)
    {
        var margin = 0;
        foreach (var index in board.Indices())
        {
            var p = board.PointOf(index);
            var owner = score.Ownership[p.Y * board.Size + p.X];
            if (board[index] != Stone.Empty || owner == 0)
            {
                continue;
            }
            foreach (var n in board.Neighbours(index))
            {
                if (board[n] != Stone.Border && seki.Contains(board.PointOf(n)))
                {
                    margin += owner;
                    break;
                }
            }
        }
        return margin;
    }
}
