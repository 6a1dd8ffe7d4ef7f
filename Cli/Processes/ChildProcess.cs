using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansGoRelay.Cli.Processes;

/// <summary>
/// A real child process (a silo, a relay agent, the gorelay tool) started from this repository's build, for
/// process-level tests and benchmarks, with its latest output kept for failure messages.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 2000;

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>What the process is, in failure messages.</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines (up to 2,000) the process wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c> with extra environment variables.</summary>
    public static ChildProcess StartDotnet(string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built (dotnet build the solution first).", dll);
        }
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"dotnet {dll} did not start");
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// A built executable of this repository (<c>{project}/bin/{configuration}/net10.0/{assembly}.dll</c>, found
    /// above the caller's own binaries) in the configuration the caller was built in.
    /// </summary>
    public static string BuiltDll(string project, string assembly)
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

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until <paramref name="url"/> answers 200, failing early (with the output) if the process exits.</summary>
    public async Task WaitForOkAsync(HttpClient http, string url, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {ExitCode} before {url} answered:{Environment.NewLine}{Output}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"{Name}: {url} did not answer 200 within {timeout}:{Environment.NewLine}{Output}");
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"{Name} still ran after {timeout}:{Environment.NewLine}{Output}", e);
        }
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>SIGKILL at once (no shutdown code runs), then the same to every process it had started.</summary>
    /// <remarks>
    /// Not <c>Process.Kill(entireProcessTree: true)</c> alone: on Linux that first SIGSTOPs the process and then scans
    /// every process on the machine for its children, which took half a second on a loaded machine, and a stopped
    /// process keeps its sockets open meanwhile, so tests that time a crash were timing the scan. The children are read
    /// from <c>/proc/PID/task/TID/children</c> (a few small files) before the kill instead.
    /// </remarks>
    public void Kill()
    {
        if (_process.HasExited)
        {
            return;
        }
        if (Descendants(_process.Id) is not { } descendants)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            return;
        }
        _process.Kill();
        foreach (var id in descendants)
        {
            try
            {
                using var child = Process.GetProcessById(id);
                child.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
        _process.WaitForExit();
    }

    /// <summary>Every process below <paramref name="root"/>, or null where the kernel does not list children.</summary>
    private static List<int>? Descendants(int root)
    {
        if (!Directory.Exists($"/proc/{root}/task"))
        {
            return null;
        }
        var found = new List<int>();
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var parent))
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{parent}/task");
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            foreach (var task in tasks)
            {
                var children = Path.Combine(task, "children");
                if (!File.Exists(children))
                {
                    return null;
                }
                string listed;
                try
                {
                    listed = File.ReadAllText(children);
                }
                catch (IOException)
                {
                    continue;
                }
                foreach (var id in listed.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var child = int.Parse(id, CultureInfo.InvariantCulture);
                    found.Add(child);
                    pending.Push(child);
                }
            }
        }
        return found;
    }

    /// <summary>SIGTERM, then wait up to 30 s for a graceful exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Kills the process if it still runs.</summary>
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
