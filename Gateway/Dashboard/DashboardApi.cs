using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Events;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Gateway.Cluster;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Events;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Go.Analysis;

namespace OrleansGoRelay.Gateway.Dashboard;

/// <summary>
/// The operator dashboard: a static page (embedded in this assembly) that draws <c>/dashboard/api/overview</c> and
/// redraws whenever <c>/api/v1/events</c> pushes an event, plus a public read-only view of network health at
/// <c>/status/</c> drawn from <c>/api/v1/network</c>. The page and its data sit under <c>/dashboard</c>, where
/// <see cref="OperatorDashboard"/> checks the operator token (header or the cookie a sign-in sets).
/// </summary>
public static class DashboardApi
{
    /// <summary>The page's data, behind the operator check.</summary>
    public const string OverviewPath = OperatorDashboard.Path + "/api/overview";

    /// <summary>Where the page's scripts, styles and chart library are served (public: none of it is secret).</summary>
    public const string AssetsPath = "/assets/dashboard";

    private static readonly string[] Classes = [.. Enum.GetValues<GameClass>().Select(ApiJson.NameOf)];

    private static readonly ClusterEventType[] FailoverTypes = [ClusterEventType.RelayFailover];
    private static readonly ClusterEventType[] AllTypes = Enum.GetValues<ClusterEventType>();

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    /// <summary>Maps the page, its assets and its data.</summary>
    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet(OperatorDashboard.Path + "/", () => Asset("index.html")).ExcludeFromDescription();
        routes.MapGet("/status/", () => Asset("index.html")).ExcludeFromDescription();
        routes.MapGet(AssetsPath + "/{file}", (string file) => Asset(file)).ExcludeFromDescription();
        routes.MapGet(OverviewPath, Overview).WithTags("Dashboard").AddEndpointFilter<RequireOperatorFilter>()
            .WithSummary("(operator) Everything the dashboard draws: active games by class and relay, token flow per bucket, the model registry, relays, silos, failovers and the last events.");
        routes.MapGet("/api/v1/network", Network).WithTags("Dashboard")
            .WithSummary("Public, read-only network health: every relay's region, position, health, load and latency, and the last failovers.");
        return routes;
    }

    private static async Task<Results<Ok<DashboardOverview>, ProblemHttpResult>> Overview(
        IGrainFactory grains, IClusterEventLog events, TimeProvider clock, int? windowSeconds, int? bucketSeconds, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(windowSeconds ?? 3_600);
        var bucket = TimeSpan.FromSeconds(bucketSeconds ?? 60);
        if (window <= TimeSpan.Zero || window > TimeSpan.FromDays(30) || bucket <= TimeSpan.Zero || window / bucket > 2_000)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "invalid_window",
                "windowSeconds is 1 s to 30 days and holds at most 2,000 buckets of bucketSeconds.");
        }
        var now = clock.GetUtcNow();
        var latest = await events.LatestSequenceAsync(cancellationToken);
        // Games idle for a day are not what "active" means on a live page; the window bounds the query too.
        var open = await events.OpenAsync(ClusterEventType.GameStarted, ClusterEventType.GameEnded, now - TimeSpan.FromDays(1), 10_000, cancellationToken);
        var started = open.Select(ToActiveGame).ToList();
        var directory = grains.GetGrain<IRelayDirectoryGrain>(IRelayDirectoryGrain.Key);
        var relaysTask = directory.List();
        var perRelayTask = directory.GamesPerRelay();
        var flowTask = grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key).TokenFlow(now - window, bucket);
        var modelsTask = ModelsAsync(grains);
        var silosTask = ClusterApi.SilosAsync(grains);
        var failoversTask = FailoversAsync(events, cancellationToken);
        var recentTask = events.LatestOfAsync(AllTypes, 30, cancellationToken);
        await Task.WhenAll(relaysTask, perRelayTask, flowTask, modelsTask, silosTask, failoversTask, recentTask);

        var byClass = Classes.ToDictionary(c => c, c => started.Count(g => g.GameClass == c), StringComparer.Ordinal);
        var games = new GamesPanel(started.Count, byClass, perRelayTask.Result, [.. started.Take(20)]);
        var (versions, modelsUnavailable) = modelsTask.Result;
        var models = versions.Select(v => new ModelRow(v.ModelHash, v.Version, v.Round, v.Metrics.Top1, v.Metrics.Top5, v.Metrics.WinRate,
            v.EpsilonSpent, v.Promoted, v.CreatedAt)).ToList();
        var network = new NetworkPanel([.. relaysTask.Result.Select(Marker)], silosTask.Result, failoversTask.Result);
        return TypedResults.Ok(new DashboardOverview(now, latest, games, flowTask.Result, models, network, recentTask.Result, modelsUnavailable));
    }

    // A cluster without federated learning configured still has games, money and relays to show; the registry's
    // refusal becomes a note on its panel rather than a 503 for the whole page.
    private static async Task<(IReadOnlyList<ModelVersionView> Versions, string? Unavailable)> ModelsAsync(IGrainFactory grains)
    {
        try
        {
            return (await grains.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key).Versions(30), null);
        }
        catch (RequestRefusedException refused)
        {
            return ([], $"{refused.Code}: {refused.Message}");
        }
    }

    private static async Task<Ok<NetworkPanel>> Network(IGrainFactory grains, IClusterEventLog events, CancellationToken cancellationToken)
    {
        var relays = await grains.GetGrain<IRelayDirectoryGrain>(IRelayDirectoryGrain.Key).List();
        return TypedResults.Ok(new NetworkPanel([.. relays.Select(Marker)], [], await FailoversAsync(events, cancellationToken)));
    }

    private static async Task<IReadOnlyList<FailoverRow>> FailoversAsync(IClusterEventLog events, CancellationToken cancellationToken) =>
        [.. (await events.LatestOfAsync(FailoverTypes, 20, cancellationToken)).Select(e =>
        {
            var f = e.Data.Deserialize<RelayFailover>(ApiJson.Options)!;
            return new FailoverRow(e.At, f.DeadRelayId, f.Games, f.SessionsMoved, f.Targets, f.DurationMs);
        })];

    private static ActiveGame ToActiveGame(ClusterEvent e)
    {
        var g = e.Data.Deserialize<GameStarted>(ApiJson.Options)!;
        return new ActiveGame(g.GameId, g.GameClass, g.Black, g.White, g.Size, e.At);
    }

    private static RelayMarker Marker(RelayView relay)
    {
        var r = relay.Registration;
        var load = r.Capacity > 0 ? Math.Round(100.0 * relay.Sessions / r.Capacity, 1) : 0;
        return new RelayMarker(r.RelayId, r.Region, r.Latitude, r.Longitude, ApiJson.NameOf(relay.Health), relay.Sessions, r.Capacity, load,
            relay.LatencyMs, relay.Reputation);
    }

    /// <summary>An embedded file of the page, or 404; the page is small and changes with each build, so nothing is cached stale.</summary>
    private static IResult Asset(string file)
    {
        var extension = Path.GetExtension(file);
        using var stream = typeof(DashboardApi).Assembly.GetManifestResourceStream("dashboard/" + file);
        if (stream is null || !ContentTypes.TryGetValue(extension, out var contentType))
        {
            return Problems.Create(StatusCodes.Status404NotFound, "not_found", $"The dashboard has no file '{file}'.");
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new DashboardAsset(copy.ToArray(), contentType);
    }

    /// <summary>A page file with the headers a page of an operator's console wants: no stale copies, no framing, no foreign scripts.</summary>
    private sealed class DashboardAsset(byte[] content, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.CacheControl = "no-cache";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'";
            return Results.Bytes(content, contentType).ExecuteAsync(httpContext);
        }
    }
}
