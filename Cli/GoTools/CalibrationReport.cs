using System.Globalization;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Cli.GoTools;

/// <summary>Prints the classification's thresholds, the swing variance of each reference group and the confusion table.</summary>
internal static class CalibrationReport
{
    public static void Print(IReadOnlyList<CalibrationGame> games, ClassificationThresholds thresholds, string label)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(inv,
            $"thresholds ({label}): teaching differential > {thresholds.TeachingMinDifferential:0} and variance < {thresholds.TeachingMaxVariance:0.#####}; dogfight differential < {thresholds.DogfightMaxDifferential:0} and variance > {thresholds.DogfightMinVariance:0.#####}; lead band {thresholds.LeadBand:0.##}"));
        Console.WriteLine($"{"reference group",-24} {"games",7} {"var p10",9} {"p50",9} {"p90",9} {"teaching",10} {"dogfight",10} {"standard",10}");
        var table = ClassificationCalibration.Confusion(games, thresholds);
        foreach (var group in Enum.GetValues<ReferenceGroup>())
        {
            var variances = games.Where(g => g.Group == group).Select(g => g.Variance).Order().ToList();
            string Q(double q) => variances.Count == 0 ? "-" : ClassificationCalibration.Quantile(variances, q).ToString("0.#####", inv);
            string Cell(GameClass c) => $"{table.Counts[group][c]} ({table.Share(group, c).ToString("P0", inv)})";
            Console.WriteLine($"{Name(group),-24} {variances.Count,7:N0} {Q(0.1),9} {Q(0.5),9} {Q(0.9),9} {Cell(GameClass.Teaching),10} {Cell(GameClass.Dogfight),10} {Cell(GameClass.Standard),10}");
        }
    }

    private static string Name(ReferenceGroup group) => group switch
    {
        ReferenceGroup.ProAmateurHandicap => "pro-amateur handicap",
        ReferenceGroup.EvenWithLeadChange => "even, lead changed",
        ReferenceGroup.EvenSteady => "even, lead steady",
        _ => "other",
    };
}
