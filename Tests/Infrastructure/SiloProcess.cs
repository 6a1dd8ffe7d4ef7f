using OrleansGoRelay.Runtime.Testing;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>A real silo process (the TestSilo host: the runtime, the test grains and the gateway) on a loopback port.</summary>
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
    public static async Task<SiloProcess> StartAsync(string connectionString, string name, IDictionary<string, string>? settings = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "OrleansGoRelay.TestSilo.dll");
        var port = ChildProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["GrainRuntime__SiloName"] = name,
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
        await silo._process.WaitForOkAsync(silo.Http, "/health/ready", TimeSpan.FromSeconds(60));
        return silo;
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
