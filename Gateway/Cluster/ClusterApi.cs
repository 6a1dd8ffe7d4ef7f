using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.Gateway.Cluster;

/// <summary>Operator routes about the cluster itself, read from Orleans' membership.</summary>
public static class ClusterApi
{
    /// <summary>One member of the cluster as the API shows it.</summary>
    /// <param name="SiloId">The silo address with its generation (<c>10.0.0.5:11111@123456</c>): unique per silo process.</param>
    /// <param name="SiloName">The silo's configured name.</param>
    /// <param name="Address">Its silo-to-silo endpoint.</param>
    /// <param name="Status">Orleans' status in lower case: <c>joining</c>, <c>active</c>, <c>shutting_down</c>, <c>stopping</c>, <c>dead</c>.</param>
    /// <param name="StartedAt">When the silo started.</param>
    /// <param name="HeartbeatAt">Its last I-am-alive write to the membership table.</param>
    public sealed record SiloView(string SiloId, string SiloName, string Address, string Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt);

    /// <summary>Maps <c>/api/v1/cluster</c>.</summary>
    public static RouteGroupBuilder MapClusterApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/cluster").WithTags("Cluster").AddEndpointFilter<RequireOperatorFilter>();
        group.MapGet("/silos", GetSilos).WithSummary("Every silo in Orleans' membership table, with its status and last I-am-alive.");
        group.MapGet("/self", GetSelf).WithSummary("The silo serving this request.");
        group.MapGet("/singletons", GetSingletons).WithSummary("Where each cluster singleton (failover coordinator, pending-transfer expirer) runs, and when it last worked.");
        return group;
    }

    private static async Task<Ok<SiloView[]>> GetSilos(IGrainFactory grains) => TypedResults.Ok(await SilosAsync(grains).ConfigureAwait(false));

    /// <summary>Every silo in the membership table, oldest first.</summary>
    internal static async Task<SiloView[]> SilosAsync(IGrainFactory grains)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false).ConfigureAwait(false);
        return [.. hosts.OrderBy(h => h.StartTime).Select(h => new SiloView(
            h.SiloAddress.ToParsableString(), h.SiloName, h.SiloAddress.Endpoint.ToString(), StatusName(h.Status),
            new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)), new DateTimeOffset(DateTime.SpecifyKind(h.IAmAliveTime, DateTimeKind.Utc))))];
    }

    private static Ok<object> GetSelf(ILocalSiloDetails silo, ISiloStatusOracle membership) =>
        TypedResults.Ok<object>(new { siloId = silo.SiloAddress.ToParsableString(), siloName = silo.Name, clusterId = silo.ClusterId, status = StatusName(membership.CurrentStatus) });

    private static async Task<Ok<SingletonStatus[]>> GetSingletons(IGrainFactory grains) => TypedResults.Ok(await Task.WhenAll(
        grains.GetGrain<IRelayHealthMonitorGrain>(ISingletonGrain.Key).Status(),
        grains.GetGrain<IPendingTransferExpirerGrain>(ISingletonGrain.Key).Status()).ConfigureAwait(false));

    private static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.ShuttingDown => "shutting_down",
        _ => status.ToString().ToLowerInvariant(),
    };
}
