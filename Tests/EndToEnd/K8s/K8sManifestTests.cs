using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.K8s;

/// <summary>
/// The k8s/ manifests: valid against the Kubernetes API schemas (k8s/validate, which also converts the YAML to the
/// JSON read here), and holding the contract of the silo under Orleans' Kubernetes hosting.
/// </summary>
public sealed class K8sManifestTests
{
    private static readonly string ManifestDirectory = Path.Combine(TestEnvironment.RepositoryRoot, "k8s");

    [Fact]
    public async Task EveryManifestValidatesAgainstTheKubernetesSchemas()
    {
        var (exitCode, output) = await ValidateAsync(ManifestDirectory, "--json");
        Assert.True(exitCode == 0, output);
        var kinds = JsonDocument.Parse(output).RootElement.EnumerateArray().Select(d => d.GetProperty("kind").GetString()).ToList();
        foreach (var kind in new[] { "Namespace", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "PodDisruptionBudget" })
        {
            Assert.Contains(kind, kinds);
        }
    }

    [Theory]
    [InlineData("silo-deployment.yaml", "replicas: 1", "replicas: \"one\"", "replicas")]
    [InlineData("rbac.yaml", "verbs: [\"get\", \"list\", \"watch\", \"patch\"]", "verbs: get", "verbs")]
    [InlineData("rbac.yaml", "roleRef:", "roleReference:", "roleRef")]
    public async Task TheValidatorRejectsABrokenManifest(string file, string original, string broken, string expectedInMessage)
    {
        var directory = Directory.CreateTempSubdirectory("k8s-broken-");
        try
        {
            var manifest = await File.ReadAllTextAsync(Path.Combine(ManifestDirectory, file));
            Assert.Contains(original, manifest, StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "broken.yaml"), manifest.Replace(original, broken, StringComparison.Ordinal));
            var (exitCode, output) = await ValidateAsync(directory.FullName);
            Assert.Equal(1, exitCode);
            Assert.Contains(expectedInMessage, output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheSiloPodsCarryTheOrleansLabelsAndTheMatchingIdsFromTheDownwardApi()
    {
        var manifests = await Manifests.LoadAsync();
        var labels = manifests.PodTemplate.GetProperty("metadata").GetProperty("labels");
        var serviceId = labels.GetProperty("orleans/serviceId").GetString();
        var clusterId = labels.GetProperty("orleans/clusterId").GetString();
        Assert.Equal("gorelay", serviceId);
        Assert.Equal("gorelay", clusterId);

        // Kubernetes hosting only counts pods whose labels equal the ids it reads from ORLEANS_*; the silo's own
        // Orleans__* ids must be the same ones.
        Assert.Equal(serviceId, manifests.ResolveEnvironment("ORLEANS_SERVICE_ID"));
        Assert.Equal(clusterId, manifests.ResolveEnvironment("ORLEANS_CLUSTER_ID"));
        Assert.Equal(serviceId, manifests.ResolveEnvironment("Orleans__ServiceId"));
        Assert.Equal(clusterId, manifests.ResolveEnvironment("Orleans__ClusterId"));

        // The pod's identity, as the hosting package reads it; the silo is named after its pod (the package matches
        // silos to pods by name) and advertises the pod IP.
        Assert.Equal("metadata.name", manifests.FieldPath("POD_NAME"));
        Assert.Equal("metadata.namespace", manifests.FieldPath("POD_NAMESPACE"));
        Assert.Equal("status.podIP", manifests.FieldPath("POD_IP"));
        Assert.Equal("metadata.name", manifests.FieldPath("Orleans__SiloName"));
        Assert.Equal("status.podIP", manifests.FieldPath("Orleans__AdvertisedAddress"));
        Assert.Equal("connection-string", manifests.Env("ConnectionStrings__Postgres").GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("key").GetString());

        // The home-made runtime's settings are gone.
        Assert.DoesNotContain(manifests.EnvironmentNames(), name => name.StartsWith("GrainRuntime__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheSiloServiceAccountMayDoOnPodsExactlyWhatKubernetesHostingDoes()
    {
        var manifests = await Manifests.LoadAsync();
        var deploymentNamespace = Namespace(manifests.Deployment);
        var podSpec = manifests.PodTemplate.GetProperty("spec");
        var serviceAccount = podSpec.GetProperty("serviceAccountName").GetString();
        Assert.False(podSpec.TryGetProperty("automountServiceAccountToken", out var automount) && automount.ValueKind == JsonValueKind.False, "the hosting package needs the service account token");

        var account = Assert.Single(manifests.OfKind("ServiceAccount"), a => Name(a) == serviceAccount);
        Assert.Equal(deploymentNamespace, Namespace(account));

        // A RoleBinding in the namespace binds that ServiceAccount to a Role of the namespace.
        var binding = Assert.Single(
            manifests.OfKind("RoleBinding"),
            b => b.GetProperty("subjects").EnumerateArray().Any(s =>
                s.GetProperty("kind").GetString() == "ServiceAccount" && s.GetProperty("name").GetString() == serviceAccount
                && (s.TryGetProperty("namespace", out var ns) ? ns.GetString() : Namespace(b)) == deploymentNamespace));
        Assert.Equal(deploymentNamespace, Namespace(binding));
        var roleRef = binding.GetProperty("roleRef");
        Assert.Equal("Role", roleRef.GetProperty("kind").GetString());
        Assert.Equal("rbac.authorization.k8s.io", roleRef.GetProperty("apiGroup").GetString());
        var role = Assert.Single(manifests.OfKind("Role"), r => Name(r) == roleRef.GetProperty("name").GetString());
        Assert.Equal(deploymentNamespace, Namespace(role));

        // Read its own pod, patch the orleans/* labels onto it, list and watch the cluster's pods; nothing more
        // (delete only if the silo turned on KubernetesHostingOptions.DeleteDefunctSiloPods, which it does not).
        var rule = Assert.Single(role.GetProperty("rules").EnumerateArray());
        Assert.Equal(new[] { "" }, Strings(rule.GetProperty("apiGroups")));
        Assert.Equal(new[] { "pods" }, Strings(rule.GetProperty("resources")));
        Assert.Equal(new[] { "get", "list", "patch", "watch" }, Strings(rule.GetProperty("verbs")).Order(StringComparer.Ordinal));
        Assert.False(rule.TryGetProperty("resourceNames", out _), "list and watch cannot be limited by name");
    }

    [Fact]
    public async Task TheSiloContainerExposesItsPortsAndProbes()
    {
        var manifests = await Manifests.LoadAsync();
        var ports = manifests.Container.GetProperty("ports").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("containerPort").GetInt32());
        Assert.Equal(8080, ports["http"]);
        Assert.Equal(11111, ports["orleans-silo"]);
        Assert.Equal(30000, ports["orleans-gateway"]);

        // The silo listens where the container ports say.
        Assert.Equal(ports["orleans-silo"].ToString(CultureInfo.InvariantCulture), manifests.ResolveEnvironment("Orleans__SiloPort"));
        Assert.Equal(ports["orleans-gateway"].ToString(CultureInfo.InvariantCulture), manifests.ResolveEnvironment("Orleans__GatewayPort"));
        Assert.EndsWith($":{ports["http"]}", manifests.ResolveEnvironment("ASPNETCORE_URLS"), StringComparison.Ordinal);

        foreach (var (probe, path) in new[] { ("startupProbe", "/health/ready"), ("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live") })
        {
            var httpGet = manifests.Container.GetProperty(probe).GetProperty("httpGet");
            Assert.Equal(path, httpGet.GetProperty("path").GetString());
            Assert.Equal("http", httpGet.GetProperty("port").GetString());
        }

        // The gateway Service forwards to the HTTP port.
        var service = Assert.Single(manifests.OfKind("Service"));
        Assert.Equal("http", Assert.Single(service.GetProperty("spec").GetProperty("ports").EnumerateArray()).GetProperty("targetPort").GetString());
    }

    [Fact]
    public async Task TheSiloDeploymentScalesWithoutChangesAndShutsDownInsideItsGracePeriod()
    {
        var manifests = await Manifests.LoadAsync();
        var resources = manifests.Container.GetProperty("resources");
        Assert.True(resources.GetProperty("requests").TryGetProperty("cpu", out _));
        Assert.False(resources.GetProperty("limits").TryGetProperty("cpu", out _), "no CPU limit");
        Assert.True(resources.GetProperty("limits").TryGetProperty("memory", out _));

        var shutdown = TimeSpan.Parse(manifests.ResolveEnvironment("HostOptions__ShutdownTimeout"), CultureInfo.InvariantCulture);
        Assert.True(manifests.PodTemplate.GetProperty("spec").GetProperty("terminationGracePeriodSeconds").GetInt32() > shutdown.TotalSeconds);

        // The Deployment, the Service and the PodDisruptionBudget select the silo pods, so scaling replicas is the
        // only change needed.
        var podLabels = manifests.PodTemplate.GetProperty("metadata").GetProperty("labels");
        var selectors = new List<JsonElement> { manifests.Deployment.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels") };
        foreach (var selecting in manifests.Documents.Where(d => Kind(d) is "Service" or "PodDisruptionBudget"))
        {
            var selector = selecting.GetProperty("spec").GetProperty("selector");
            selectors.Add(selector.TryGetProperty("matchLabels", out var match) ? match : selector);
        }

        foreach (var selector in selectors)
        {
            Assert.NotEmpty(selector.EnumerateObject());
            foreach (var label in selector.EnumerateObject())
            {
                Assert.True(podLabels.TryGetProperty(label.Name, out var value) && value.GetString() == label.Value.GetString(), $"the pods lack the selected label {label.Name}={label.Value}");
            }
        }
    }

    private static string? Kind(JsonElement document) => document.GetProperty("kind").GetString();

    private static string? Name(JsonElement document) => document.GetProperty("metadata").GetProperty("name").GetString();

    private static string? Namespace(JsonElement document) =>
        document.GetProperty("metadata").TryGetProperty("namespace", out var ns) ? ns.GetString() : "default";

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

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

    /// <summary>The validated manifests, with the silo Deployment, its pod template and container at hand.</summary>
    private sealed class Manifests
    {
        private Manifests(List<JsonElement> documents)
        {
            Documents = documents;
            Deployment = Assert.Single(documents, d => Kind(d) == "Deployment");
            PodTemplate = Deployment.GetProperty("spec").GetProperty("template");
            Container = Assert.Single(PodTemplate.GetProperty("spec").GetProperty("containers").EnumerateArray());
        }

        public List<JsonElement> Documents { get; }

        public JsonElement Deployment { get; }

        public JsonElement PodTemplate { get; }

        public JsonElement Container { get; }

        public static async Task<Manifests> LoadAsync()
        {
            var (exitCode, output) = await ValidateAsync(ManifestDirectory, "--json");
            Assert.True(exitCode == 0, output);
            return new Manifests(JsonDocument.Parse(output).RootElement.EnumerateArray().ToList());
        }

        public IEnumerable<JsonElement> OfKind(string kind) => Documents.Where(d => Kind(d) == kind);

        /// <summary>The container's env entry of that name.</summary>
        public JsonElement Env(string name)
        {
            var entries = Container.TryGetProperty("env", out var env) ? env.EnumerateArray().Where(e => e.GetProperty("name").GetString() == name).ToList() : [];
            return Assert.Single(entries);
        }

        /// <summary>The downward-API field an env entry reads.</summary>
        public string? FieldPath(string name) => Env(name).GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString();

        /// <summary>Every variable name the container gets: its env entries and the keys of its envFrom ConfigMaps.</summary>
        public List<string> EnvironmentNames()
        {
            var names = new List<string>();
            if (Container.TryGetProperty("env", out var env))
            {
                names.AddRange(env.EnumerateArray().Select(e => e.GetProperty("name").GetString()!));
            }

            foreach (var data in ConfigMapData())
            {
                names.AddRange(data.EnumerateObject().Select(p => p.Name));
            }

            return names;
        }

        /// <summary>
        /// The value a variable has in a silo pod: a literal env value, a pod label or annotation read through the
        /// downward API, or a key of an envFrom ConfigMap (env entries win, as in Kubernetes).
        /// </summary>
        public string ResolveEnvironment(string name)
        {
            if (Container.TryGetProperty("env", out var env) && env.EnumerateArray().Any(e => e.GetProperty("name").GetString() == name))
            {
                var entry = Env(name);
                if (entry.TryGetProperty("value", out var value))
                {
                    return value.GetString()!;
                }

                var fieldPath = entry.GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString()!;
                foreach (var map in new[] { "labels", "annotations" })
                {
                    var prefix = $"metadata.{map}['";
                    if (fieldPath.StartsWith(prefix, StringComparison.Ordinal) && fieldPath.EndsWith("']", StringComparison.Ordinal))
                    {
                        var key = fieldPath[prefix.Length..^2];
                        Assert.True(PodTemplate.GetProperty("metadata").GetProperty(map).TryGetProperty(key, out var fromPod), $"{name} reads the pod's {map} {key}, which it lacks");
                        return fromPod.GetString()!;
                    }
                }

                throw new InvalidOperationException($"{name} reads {fieldPath}, which has no value in the manifests");
            }

            var values = ConfigMapData().Where(d => d.TryGetProperty(name, out _)).Select(d => d.GetProperty(name).GetString()!).ToList();
            Assert.True(values.Count == 1, $"{name} is set {values.Count} times in the container's ConfigMaps, not once");
            return values[0];
        }

        private IEnumerable<JsonElement> ConfigMapData()
        {
            if (!Container.TryGetProperty("envFrom", out var envFrom))
            {
                yield break;
            }

            foreach (var source in envFrom.EnumerateArray())
            {
                if (source.TryGetProperty("configMapRef", out var reference))
                {
                    var configMap = Assert.Single(
                        Documents,
                        d => Kind(d) == "ConfigMap" && Name(d) == reference.GetProperty("name").GetString() && Namespace(d) == Namespace(Deployment));
                    yield return configMap.GetProperty("data");
                }
            }
        }
    }
}
