using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansGoRelay.Cli.FederatedTools;
using OrleansGoRelay.Cli.Play;
using OrleansGoRelay.Contracts.Inference;

namespace OrleansGoRelay.Cli.InferenceTools;

/// <summary>
/// <c>gorelay mcp</c>: the gateway's MCP server for desktop clients that start servers as processes (stdio). It is a
/// thin bridge, not a second implementation: every list and call is forwarded to the gateway's <c>/mcp</c> with the API
/// key and the payment channel, so the tools, their schemas, their errors and their charges are the gateway's. With
/// <c>--deposit</c> it opens a channel for the session and closes it at exit (settling the calls, returning the rest).
/// </summary>
internal static class McpCommand
{
    private static readonly Option<string?> ApiKey = new("--api-key") { Description = "The API key (default: $GORELAY_API_KEY)" };

    private static readonly Option<string?> Channel = new("--channel") { Description = "The payment channel the calls draw on" };

    private static readonly Option<long?> Deposit = new("--deposit")
    {
        Description = "Instead of --channel: open a channel with this deposit (base units) for the session and close it at exit",
    };

    public static Command Command()
    {
        var command = new Command("mcp", "Serve the gateway's MCP tools and resources over stdio (for desktop MCP clients); logs go to stderr")
        {
            FederationOptions.Gateways, ApiKey, Channel, Deposit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var gateway = new Uri(FederationOptions.GatewaysOf(parse)[0].TrimEnd('/') + "/");
            var key = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("GORELAY_API_KEY");
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new CommandFailedException("mcp needs an API key bound to a ledger account: --api-key or $GORELAY_API_KEY.");
            }
            var deposit = parse.GetValue(Deposit);
            var channel = parse.GetValue(Channel);
            if (deposit is not null && channel is not null)
            {
                throw new CommandFailedException("Give --channel or --deposit, not both.");
            }
            using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (deposit is { } amount)
            {
                channel = await OpenChannelAsync(http, amount, cancellationToken).ConfigureAwait(false);
            }
            using var loggers = LoggerFactory.Create(logging => logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
            try
            {
                await ServeAsync(gateway, key, channel, loggers, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (deposit is not null && channel is not null)
                {
                    // The session is over whichever way it ended: settle its calls and give the rest of the deposit back.
                    using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    using var closed = await http.PostAsync(new Uri($"api/v1/channels/{channel}/close", UriKind.Relative), null, closing.Token).ConfigureAwait(false);
                    await Console.Error.WriteLineAsync($"gorelay mcp: channel {channel} closed ({(int)closed.StatusCode}): {await closed.Content.ReadAsStringAsync(closing.Token).ConfigureAwait(false)}").ConfigureAwait(false);
                }
            }
            return 0;
        });
        return command;
    }

    private static async Task<string> OpenChannelAsync(HttpClient http, long deposit, CancellationToken cancellationToken)
    {
        using var opened = await http.PostAsJsonAsync(new Uri("api/v1/channels", UriKind.Relative), new ChannelOpenRequest(deposit), GatewayClient.Json, cancellationToken).ConfigureAwait(false);
        if (!opened.IsSuccessStatusCode)
        {
            throw new CommandFailedException($"the gateway refused to open a channel ({(int)opened.StatusCode}): {await opened.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
        var view = await opened.Content.ReadFromJsonAsync<ChannelView>(GatewayClient.Json, cancellationToken).ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"gorelay mcp: opened channel {view!.ChannelId} with {deposit:N0} base units").ConfigureAwait(false);
        return view.ChannelId;
    }

    private static async Task ServeAsync(Uri gateway, string key, string? channel, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key };
        if (channel is not null)
        {
            headers["X-Channel-Id"] = channel;
        }
        McpClient upstream;
        try
        {
            upstream = await McpClient.CreateAsync(
                new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(gateway, "mcp"), AdditionalHeaders = headers, Name = "gateway" }, loggers),
                new McpClientOptions { ClientInfo = new Implementation { Name = "gorelay-mcp-bridge", Version = Version } }, loggers, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailedException($"the gateway's MCP endpoint {new Uri(gateway, "mcp")} did not accept the connection: {e.Message}");
        }
        await using (upstream.ConfigureAwait(false))
        {
            var options = new McpServerOptions
            {
                ServerInfo = upstream.ServerInfo,
                ServerInstructions = upstream.ServerInstructions,
                Handlers = new McpServerHandlers
                {
                    ListToolsHandler = (request, ct) => upstream.ListToolsAsync(request.Params ?? new ListToolsRequestParams(), ct),
                    CallToolHandler = (request, ct) => upstream.CallToolAsync(request.Params!, ct),
                    ListResourcesHandler = (request, ct) => upstream.ListResourcesAsync(request.Params ?? new ListResourcesRequestParams(), ct),
                    ListResourceTemplatesHandler = (request, ct) => upstream.ListResourceTemplatesAsync(request.Params ?? new ListResourceTemplatesRequestParams(), ct),
                    ReadResourceHandler = (request, ct) => upstream.ReadResourceAsync(request.Params!, ct),
                },
            };
            var transport = new StdioServerTransport(options, loggers);
            await using (transport.ConfigureAwait(false))
            {
                var server = McpServer.Create(transport, options, loggers);
                await using (server.ConfigureAwait(false))
                {
                    await server.RunAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static string Version =>
        typeof(McpCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
}
