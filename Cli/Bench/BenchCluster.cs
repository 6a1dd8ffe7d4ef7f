using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

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

    private readonly List<Process> _processes = [];
    private readonly Queue<string> _log = new();
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
        var port = FreePort();
        var keys = Directory.CreateTempSubdirectory("gorelay-bench-keys").FullName;
        var cluster = new BenchCluster($"http://127.0.0.1:{port}", $"1 silo and {agents} relay agents started here", keys);
        try
        {
            cluster.Start(BuiltDll("Silo", "OrleansGoRelay.Silo"), ["--urls", cluster.Gateway], new()
            {
                ["ConnectionStrings__Postgres"] = database,
                ["GrainRuntime__SiloName"] = "bench",
                ["Logging__LogLevel__Default"] = "Warning",
                // Every simulated player calls from this one address; real players each have their own.
                ["Gateway__Limits__PermitsPerSecond"] = "0",
            });
            await cluster.WaitForOkAsync(cluster.Gateway + "/health/ready", cancellationToken).ConfigureAwait(false);
            // Sites are uneven by chance, so each agent can take every session; players on one loopback IP need the per-IP limit raised.
            var capacity = sessions.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < agents; i++)
            {
                var site = Sites[i % Sites.Length];
                var agentPort = FreePort();
                cluster.Start(BuiltDll("RelayAgent", "gorelay-relay"),
                [
                    "--urls", $"http://127.0.0.1:{agentPort}", $"--Relay:RelayId=bench-{i + 1}", $"--Relay:Gateways:0={cluster.Gateway}",
                    $"--Relay:KeyFile={Path.Combine(keys, $"bench-{i + 1}.pem")}", $"--Relay:Region={site.Region}",
                    $"--Relay:Latitude={site.Latitude.ToString(CultureInfo.InvariantCulture)}", $"--Relay:Longitude={site.Longitude.ToString(CultureInfo.InvariantCulture)}",
                    $"--Relay:Limits:MaxReservations={capacity}", $"--Relay:Limits:MaxReservationsPerIp={capacity}", "--Logging:LogLevel:Default=Warning",
                ], []);
                await cluster.WaitForOkAsync($"http://127.0.0.1:{agentPort}/health", cancellationToken).ConfigureAwait(false);
            }
            using var http = new HttpClient();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await http.GetStringAsync(cluster.Gateway + "/api/v1/relays", cancellationToken).ConfigureAwait(false)).Split("\"healthy\"").Length - 1 < agents)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The relay agents did not all register as healthy within 60 s.");
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

    private void Start(string dll, IEnumerable<string> arguments, Dictionary<string, string> environment)
    {
        // The children's logs stay out of the report; their last lines explain a start that fails.
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"dotnet {dll} did not start");
        var name = Path.GetFileNameWithoutExtension(dll);
        process.OutputDataReceived += (_, e) => Remember(name, e.Data);
        process.ErrorDataReceived += (_, e) => Remember(name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private void Remember(string name, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.Enqueue($"{name}: {line}");
            if (_log.Count > 40)
            {
                _log.Dequeue();
            }
        }
    }

    /// <summary>The children's last log lines.</summary>
    private string RecentLog()
    {
        lock (_log)
        {
            return string.Join(Environment.NewLine, _log);
        }
    }

    private async Task WaitForOkAsync(string url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not answer within 60 s. Last lines of the started processes:{Environment.NewLine}{RecentLog()}");
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A built executable of this repository beside this tool's own build (same configuration).</summary>
    private static string BuiltDll(string project, string assembly)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, project, "bin", configuration, "net10.0", assembly + ".dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }
        throw new FileNotFoundException($"{assembly}.dll is not built: run ./run.sh or dotnet build -c {configuration} first.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        // The silo first: relays dying under a live silo would only start failovers nobody waits for.
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
        if (_keys is not null)
        {
            Directory.Delete(_keys, recursive: true);
        }
        return ValueTask.CompletedTask;
    }
}
