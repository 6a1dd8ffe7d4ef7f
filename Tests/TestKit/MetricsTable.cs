namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>
/// The README's metrics table (section "Metrics"), read so that the scrape tests check exactly what is documented:
/// rows <c>| `name` | instrument | unit | attributes | what | `prometheus name` | `meter` |</c>.
/// </summary>
public static class MetricsTable
{
    /// <summary>The Prometheus names of the instruments the table lists for <paramref name="meter"/>.</summary>
    public static IReadOnlyList<string> PrometheusNames(string meter)
    {
        var names = File.ReadLines(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"))
            .Where(line => line.StartsWith("| `gorelay.", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length >= 8 && cells[7].Trim('`') == meter)
            .Select(cells => cells[6].Split(' ')[0].Trim('`'))
            .ToList();
        Assert.NotEmpty(names);
        return names;
    }
}
