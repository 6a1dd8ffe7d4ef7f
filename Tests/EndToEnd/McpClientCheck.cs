using System.Diagnostics;
using System.Text.Json;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>
/// Runs the official TypeScript MCP client (<c>@modelcontextprotocol/sdk</c>, pinned in <c>Tests/Mcp/package.json</c>,
/// installed by <c>scripts/setup.sh</c>) on a plan (transport, calls, reads) and returns its report. The client checks
/// every structured result against the tool's output schema, so a result off its schema is a failed call here.
/// </summary>
public static class McpClientCheck
{
    private static string Folder => Path.Combine(TestEnvironment.RepositoryRoot, "Tests", "Mcp");

    /// <summary>The plan's report: <c>server</c>, <c>tools</c>, <c>resources</c>, <c>templates</c>, <c>calls</c>, <c>reads</c>.</summary>
    public static async Task<JsonElement> RunAsync(object plan, TimeSpan timeout)
    {
        if (!File.Exists(Path.Combine(Folder, "node_modules", "@modelcontextprotocol", "sdk", "package.json")))
        {
            throw new InvalidOperationException($"The TypeScript MCP SDK is not installed in {Folder}: run scripts/setup.sh (it runs npm ci there).");
        }
        var planFile = Path.Combine(Path.GetTempPath(), $"gorelay-mcp-plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(planFile, JsonSerializer.Serialize(plan));
        try
        {
            var start = new ProcessStartInfo("node", ["check.mjs", planFile])
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
            var output = node.StandardOutput.ReadToEndAsync();
            var errors = node.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await node.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
                throw new TimeoutException($"The MCP client did not finish in {timeout.TotalSeconds:F0} s; stderr: {await errors}");
            }
            var text = await output;
            if (text.Length == 0)
            {
                throw new InvalidOperationException($"The MCP client wrote no report (exit {node.ExitCode}); stderr: {await errors}");
            }
            using var report = JsonDocument.Parse(text);
            var root = report.RootElement.Clone();
            return root.TryGetProperty("error", out var error)
                ? throw new InvalidOperationException($"The MCP client failed: {error.GetString()}; stderr: {await errors}")
                : root;
        }
        finally
        {
            File.Delete(planFile);
        }
    }

    /// <summary>The report of the <paramref name="index"/>th call.</summary>
    public static JsonElement Call(JsonElement report, int index) => report.GetProperty("calls")[index];
}
