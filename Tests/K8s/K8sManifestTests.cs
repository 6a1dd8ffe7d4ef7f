using System.Diagnostics;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.K8s;

public sealed class K8sManifestTests
{
    private static readonly string ManifestDirectory = Path.Combine(TestEnvironment.RepositoryRoot, "k8s");

    [Fact]
    public async Task EveryManifestValidatesAgainstTheKubernetesSchemas()
    {
        var (exitCode, output) = await ValidateAsync(ManifestDirectory, "--json");
        Assert.True(exitCode == 0, output);
        var kinds = JsonDocument.Parse(output).RootElement.EnumerateArray().Select(d => d.GetProperty("kind").GetString()).ToList();
        Assert.Contains("Deployment", kinds);
        Assert.Contains("Service", kinds);
        Assert.Contains("PodDisruptionBudget", kinds);
        Assert.Contains("ConfigMap", kinds);
    }

    [Fact]
    public async Task TheValidatorRejectsABrokenManifest()
    {
        var directory = Directory.CreateTempSubdirectory("k8s-broken-");
        try
        {
            var deployment = await File.ReadAllTextAsync(Path.Combine(ManifestDirectory, "silo-deployment.yaml"));
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "broken.yaml"), deployment.Replace("replicas: 1", "replicas: \"one\"", StringComparison.Ordinal));
            var (exitCode, output) = await ValidateAsync(directory.FullName);
            Assert.Equal(1, exitCode);
            Assert.Contains("replicas", output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheSiloDeploymentScalesWithoutChangesAndShutsDownInsideItsGracePeriod()
    {
        var (_, output) = await ValidateAsync(ManifestDirectory, "--json");
        var documents = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        var deployment = documents.Single(d => d.GetProperty("kind").GetString() == "Deployment");
        var pod = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");
        var container = pod.GetProperty("containers")[0];
        var env = container.GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);

        Assert.Equal("metadata.name", env["GrainRuntime__SiloName"].GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());
        Assert.Equal("status.podIP", env["GrainRuntime__AdvertisedAddress"].GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());
        Assert.Equal("connection-string", env["ConnectionStrings__Postgres"].GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("key").GetString());
        Assert.Equal("/health/ready", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/health/ready", container.GetProperty("startupProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/health/live", container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString());

        var resources = container.GetProperty("resources");
        Assert.True(resources.GetProperty("requests").TryGetProperty("cpu", out _));
        Assert.False(resources.GetProperty("limits").TryGetProperty("cpu", out _), "no CPU limit");
        Assert.True(resources.GetProperty("limits").TryGetProperty("memory", out _));

        var configMap = documents.Single(d => d.GetProperty("kind").GetString() == "ConfigMap");
        var shutdown = TimeSpan.Parse(configMap.GetProperty("data").GetProperty("HostOptions__ShutdownTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(pod.GetProperty("terminationGracePeriodSeconds").GetInt32() > shutdown.TotalSeconds);

        // Selectors agree, so scaling replicas is the only change needed.
        var labels = deployment.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").GetProperty("app.kubernetes.io/name").GetString();
        foreach (var selecting in documents.Where(d => d.GetProperty("kind").GetString() is "Service" or "PodDisruptionBudget"))
        {
            var selector = selecting.GetProperty("spec").GetProperty("selector");
            var name = selector.TryGetProperty("matchLabels", out var match) ? match : selector;
            Assert.Equal(labels, name.GetProperty("app.kubernetes.io/name").GetString());
        }
    }

    private static async Task<(int ExitCode, string Output)> ValidateAsync(string directory, string? flag = null)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(ManifestDirectory, "validate", "validate.mjs"));
        info.ArgumentList.Add(directory);
        if (flag is not null)
        {
            info.ArgumentList.Add(flag);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
