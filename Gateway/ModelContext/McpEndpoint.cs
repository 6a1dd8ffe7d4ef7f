using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Gateway.Inference;

namespace OrleansGoRelay.Gateway.ModelContext;

/// <summary>
/// The MCP server at <see cref="Path"/> (Streamable HTTP, stateless: any silo answers any request, as for the REST
/// routes). Every request carries an API key bound to a ledger account (<c>Authorization: Bearer</c> or
/// <c>X-Api-Key</c>); without one the endpoint answers 401 with a problem document before MCP sees the request.
/// </summary>
public static class McpEndpoint
{
    /// <summary>Where the server is mapped.</summary>
    public const string Path = "/mcp";

    /// <summary>The server's name in the MCP handshake.</summary>
    public const string ServerName = "gorelay";

    private const string AccountItem = "gorelay.mcp.account";

    /// <summary>Registers the MCP server with its tools and resources.</summary>
    public static IHostApplicationBuilder AddGoRelayMcp(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = ServerName, Version = ServerVersion })
            .WithHttpTransport(options => options.Stateless = true)
            .WithTools<GoRelayMcpTools>(ToolJson)
            .WithResources<GoRelayMcpResources>();
        return builder;
    }

    /// <summary>Maps <see cref="Path"/> behind the API-key check.</summary>
    public static WebApplication MapGoRelayMcp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
        {
            var (account, refusal) = await PaidCalls.AuthenticateAsync(context, context.RequestServices.GetRequiredService<IGrainFactory>());
            if (refusal is { } r)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Problems.Create(r.Status, r.Code, r.Detail).ExecuteAsync(context);
                return;
            }
            context.Items[AccountItem] = account;
            await next(context);
        }));
        app.MapMcp(Path).WithTags("MCP");
        return app;
    }

    /// <summary>The ledger account the request's API key is bound to (set by the check in front of the endpoint).</summary>
    public static string AccountOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[AccountItem] as string ?? throw new InvalidOperationException("The MCP request passed no API-key check.");
    }

    /// <summary>A failure as the tool error a client reads: the API's problem code and status, then its detail.</summary>
    public static McpException ToolError(Exception exception)
    {
        var refusal = Refusals.Describe(exception);
        return new McpException($"{refusal.Code} ({refusal.Status}): {refusal.Detail}", exception);
    }

    /// <summary>
    /// The SDK's JSON, but writing nulls: a tool's output schema lists every member as required (nullable ones typed
    /// with null), so an absent member (say, a review's turning point in a game without one) would break the schema.
    /// </summary>
    private static readonly JsonSerializerOptions ToolJson = new(McpJsonUtilities.DefaultOptions) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    private static string ServerVersion =>
        typeof(McpEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
}
