extern alias gorelay;

using System.Globalization;
using gorelay::OrleansGoRelay.Cli.Processes;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>A real silo process (the TestSilo host: the product's silo with Orleans, the test grains and the gateway) on loopback ports.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private SiloProcess(ChildProcess process, int port, string name)
    {
        _process = process;
        Port = port;
        Name = name;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The operator token every test silo accepts.</summary>
    public const string OperatorToken = "test-operator-token";

    public int Port { get; }

    public string Name { get; }

    public int ProcessId => _process.ProcessId;

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The gateway's base URL.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>What the process wrote, for failure messages.</summary>
    public string Output => _process.Output;

    /// <summary>Starts a silo on <paramref name="connectionString"/> and waits until /health/ready answers 200.</summary>
    public static async Task<SiloProcess> StartAsync(string connectionString, string name, IDictionary<string, string>? settings = null, bool waitUntilReady = true)
    {
        var dll = ChildProcess.BuiltDll(Path.Combine("Tests", "TestSilo"), "OrleansGoRelay.TestSilo");
        var port = ChildProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Orleans__SiloName"] = name,
            ["Orleans__SiloPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Gateway__OperatorToken"] = OperatorToken,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning",
            // Tests send from one address far faster than any one client; the rate limit has its own test.
            ["Gateway__Limits__PermitsPerSecond"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var silo = new SiloProcess(ChildProcess.StartDotnet($"silo {name}", dll, ["--urls", $"http://127.0.0.1:{port}"], environment), port, name);
        await silo._process.WaitForOkAsync(silo.Http, waitUntilReady ? "/health/ready" : "/health/live", TimeSpan.FromSeconds(60));
        if (waitUntilReady)
        {
            silo.SiloId = await silo.Http.GetStringAsync("/test/self");
        }
        return silo;
    }

    /// <summary>The silo's Orleans address with generation, as the cluster API shows it.</summary>
    public string SiloId { get; private set; } = "";

    /// <summary>GETs an operator route and reads its JSON; null when the silo does not answer 2xx or is unreachable.</summary>
    public async Task<T?> GetAsOperatorAsync<T>(string path) where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorToken);
        try
        {
            using var response = await Http.SendAsync(request);
            return response.IsSuccessStatusCode ? await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<T>(response.Content, System.Text.Json.JsonSerializerOptions.Web) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, then wait for a graceful exit.</summary>
    public Task StopAsync() => _process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Http.Dispose();
    }
}
