using System.Globalization;
using System.Text.Json.Nodes;
using OrleansGoRelay.Cli.Processes;

namespace OrleansGoRelay.Cli.Bench;

/// <summary>
/// The cluster a benchmark talks to: a running one, or one it starts from this repository's built binaries (one silo
/// with its gateway on a scratch database, and relay agents at four sites around the world) and kills afterwards.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    /// <summary>Where the started relay agents stand, one per site in turn.</summary>
    public static readonly (string Region, double Latitude, double Longitude)[] Sites =
        [("eu-west", 52.37, 4.90), ("us-east", 40.71, -74.0), ("ap-southeast", 1.35, 103.8), ("sa-east", -23.55, -46.63)];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly List<ChildProcess> _processes = [];
    private readonly string? _keys;

    private BenchCluster(string gateway, string description, string? keys)
    {
        Gateway = gateway;
        Description = description;
        _keys = keys;
    }

    /// <summary>The gateway's base URL.</summary>
    public string Gateway { get; }

    /// <summary>What was started, for the report.</summary>
    public string Description { get; }

    public static BenchCluster Existing(string gateway) => new(gateway, $"the cluster at {gateway}", null);

    /// <summary>Starts a silo on a fresh database and <paramref name="agents"/> relay agents sized for <paramref name="sessions"/> players.</summary>
    public static async Task<BenchCluster> StartAsync(string connectionString, int agents, int sessions, CancellationToken cancellationToken)
    {
        var database = await BenchDatabase.RecreateAsync(connectionString, "gorelay_bench_relay").ConfigureAwait(false);
        var keys = Directory.CreateTempSubdirectory("gorelay-bench-keys").FullName;
        var cluster = new BenchCluster($"http://127.0.0.1:{ChildProcess.FreePort()}", $"1 silo and {agents} relay agents started here", keys);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            var silo = cluster.Start("silo", ChildProcess.BuiltDll("Silo", "OrleansGoRelay.Silo"), ["--urls", cluster.Gateway], new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = database,
                ["Orleans__SiloName"] = "bench",
                ["Orleans__SiloPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
                // Every simulated player calls from this one address; real players each have their own.
                ["Gateway__Limits__PermitsPerSecond"] = "0",
            });
            await silo.WaitForOkAsync(http, cluster.Gateway + "/health/ready", StartTimeout, cancellationToken).ConfigureAwait(false);
            // Sites are uneven by chance, so each agent can take every session; players on one loopback IP need the per-IP limit raised.
            var capacity = sessions.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < agents; i++)
            {
                var site = Sites[i % Sites.Length];
                var port = ChildProcess.FreePort();
                var agent = cluster.Start($"relay agent bench-{i + 1}", ChildProcess.BuiltDll("RelayAgent", "gorelay-relay"),
                [
                    "--urls", $"http://127.0.0.1:{port}", $"--Relay:RelayId=bench-{i + 1}", $"--Relay:Gateways:0={cluster.Gateway}",
                    $"--Relay:KeyFile={Path.Combine(keys, $"bench-{i + 1}.pem")}", $"--Relay:Region={site.Region}",
                    $"--Relay:Latitude={site.Latitude.ToString(CultureInfo.InvariantCulture)}", $"--Relay:Longitude={site.Longitude.ToString(CultureInfo.InvariantCulture)}",
                    $"--Relay:Limits:MaxReservations={capacity}", $"--Relay:Limits:MaxReservationsPerIp={capacity}", "--Logging:LogLevel:Default=Warning",
                ], null);
                await agent.WaitForOkAsync(http, $"http://127.0.0.1:{port}/health", StartTimeout, cancellationToken).ConfigureAwait(false);
            }
            var deadline = DateTime.UtcNow + StartTimeout;
            while (await HealthyRelaysAsync(http, cluster.Gateway, cancellationToken).ConfigureAwait(false) < agents)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The relay agents did not all register as healthy within {StartTimeout.TotalSeconds:0} s.");
                }
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<int> HealthyRelaysAsync(HttpClient http, string gateway, CancellationToken cancellationToken) =>
        JsonNode.Parse(await http.GetStringAsync(new Uri(gateway + "/api/v1/relays"), cancellationToken).ConfigureAwait(false))!
            .AsArray().Count(relay => (string?)relay?["health"] == "healthy");

    /// <summary>Starts a child whose output stays out of the report (its last lines explain a start that fails).</summary>
    private ChildProcess Start(string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var child = ChildProcess.StartDotnet(name, dll, arguments, environment);
        _processes.Add(child);
        return child;
    }

    public async ValueTask DisposeAsync()
    {
        // The silo first: relays dying under a live silo would only start failovers nobody waits for.
        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
        if (_keys is not null)
        {
            Directory.Delete(_keys, recursive: true);
        }
    }
}
