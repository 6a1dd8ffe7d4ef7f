using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Runtime;
using OrleansGoRelay.Runtime.Membership;

namespace OrleansGoRelay.Gateway.Cluster;

/// <summary>Operator routes about the cluster itself.</summary>
public static class ClusterApi
{
    /// <summary>One row of the silos table as the API shows it.</summary>
    public sealed record SiloView(string SiloId, string SiloName, string Address, string Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt);

    /// <summary>Maps <c>/api/v1/cluster</c>.</summary>
    public static RouteGroupBuilder MapClusterApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/cluster").WithTags("Cluster").AddEndpointFilter<RequireOperatorFilter>();
        group.MapGet("/silos", GetSilos).WithSummary("The silos table: every silo that joined, with its status and last heartbeat.");
        group.MapGet("/self", (SiloIdentity silo) => TypedResults.Ok(silo)).WithSummary("The silo serving this request.");
        return group;
    }

    private static async Task<Ok<SiloView[]>> GetSilos(IMembershipTable table, CancellationToken cancellationToken)
    {
        var rows = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(rows.Select(r => new SiloView(r.SiloId, r.SiloName, r.Address, r.Status.ToString().ToLowerInvariant(), r.StartedAt, r.HeartbeatAt)).ToArray());
    }
}
