using System.ComponentModel;
using System.Globalization;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Games;

namespace OrleansGoRelay.Gateway.ModelContext;

/// <summary>The MCP resources: a game's SGF and a model version's card (free for the key's holder; tools are paid).</summary>
[McpServerResourceType]
public sealed class GoRelayMcpResources(IGrainFactory grains)
{
    /// <summary>A game as SGF.</summary>
    [McpServerResource(UriTemplate = "gorelay://games/{gameId}/sgf", Name = "game_sgf", Title = "Game record", MimeType = "application/x-go-sgf")]
    [Description("A game played through the relays, as SGF (FF[4]): players, result, every move.")]
    public async Task<string> GameSgf([Description("The game's id.")] string gameId)
    {
        try
        {
            return await grains.GetGrain<IGameGrain>(gameId).ExportSgf();
        }
        catch (Exception e) when (e is not McpException)
        {
            throw McpEndpoint.ToolError(e);
        }
    }

    /// <summary>The promoted version's card.</summary>
    [McpServerResource(UriTemplate = "gorelay://models/promoted/card", Name = "promoted_model_card", Title = "Promoted model card", MimeType = "text/markdown")]
    [Description("The card of the model version serving predictions now: lineage, round, figures on held-out games, privacy spent, data and contributors.")]
    public async Task<string> PromotedModelCard() => Card(await Registry.Current());

    /// <summary>A version's card.</summary>
    [McpServerResource(UriTemplate = "gorelay://models/{modelHash}/card", Name = "model_card", Title = "Model card", MimeType = "text/markdown")]
    [Description("A registry version's card: lineage, round, figures on held-out games, gate decision, privacy spent, data and contributors.")]
    public async Task<string> ModelCard([Description("The version's hash, or 'promoted'.")] string modelHash)
    {
        var version = modelHash == "promoted" ? await Registry.Current() : await Registry.Version(modelHash);
        return version is null ? throw new McpException($"unknown_model (404): There is no model version '{modelHash}'.") : Card(version);
    }

    private IModelRegistryGrain Registry => grains.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);

    /// <summary>A model card in Markdown, figures as the registry measured them.</summary>
    public static string Card(ModelVersionView version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var c = CultureInfo.InvariantCulture;
        var m = version.Metrics;
        var card = new StringBuilder();
        card.AppendLine(c, $"# Model version {version.Version} ({version.ModelHash[..Math.Min(12, version.ModelHash.Length)]})");
        card.AppendLine();
        card.AppendLine(c, $"- Hash: `{version.ModelHash}`");
        card.AppendLine(c, $"- Status: {(version.Promoted ? "promoted (serving)" : "not promoted")}{(version.PromotedAt is { } at ? $", promoted {at:u}" : "")}");
        card.AppendLine(c, $"- Parent: {(version.Parent is null ? "none (genesis)" : $"`{version.Parent}`")}");
        card.AppendLine(c, $"- Round: {version.Round ?? "none"}");
        card.AppendLine(c, $"- Created: {version.CreatedAt:u}");
        card.AppendLine(c, $"- Architecture: {version.Architecture}; {version.Parameters:N0} parameters");
        card.AppendLine();
        card.AppendLine("## Held-out validation");
        card.AppendLine();
        card.AppendLine("| top-1 % | top-5 % | value accuracy % | win rate vs parent % | loss | positions |");
        card.AppendLine("|---|---|---|---|---|---|");
        card.AppendLine(c, $"| {m.Top1:F2} | {Figure(m.Top5)} | {Figure(m.ValueAccuracy)} | {Figure(m.WinRate)} | {m.Loss:F4} | {m.Positions:N0} |");
        if (version.Gate is { } gate)
        {
            card.AppendLine();
            card.AppendLine(c, $"Gate: {gate.Decision} by {gate.Rule} (top-1 gain {gate.Top1Gain:+0.00;-0.00} points; {gate.CandidateWins} positions only this version got right, {gate.PromotedWins} only the promoted one; SPRT LLR {gate.LogLikelihoodRatio:F2}).");
        }
        card.AppendLine();
        card.AppendLine("## Privacy and data");
        card.AppendLine();
        card.AppendLine(c, $"- Differential privacy: {(version.EpsilonSpent is { } e ? $"ε spent {e:F3}" : "none recorded")}");
        card.AppendLine(c, $"- Stamps used: {version.StampsUsed.Count:N0}");
        card.AppendLine(c, $"- Contributors: {version.Contributors.Count:N0}");
        foreach (var group in version.Contributors.GroupBy(x => x.Role).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            card.AppendLine(c, $"  - {group.Key}: {string.Join(", ", group.OrderByDescending(x => x.Weight).Take(20).Select(x => $"{x.Id} ({x.Weight})"))}");
        }
        return card.ToString();
    }

    private static string Figure(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";
}
