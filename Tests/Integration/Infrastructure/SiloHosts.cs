using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>The real silo host in process (<see cref="WebApplicationFactory{TEntryPoint}"/>) for functional tests of the gateway.</summary>
public static class SiloHosts
{
    public const string OperatorToken = "test-operator-token";

    public static WebApplicationFactory<Program> Create(string connectionString, bool migrate = true) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            // Tests send from one address far faster than any one client; the rate limit test sets its own.
            web.UseSetting("Gateway:Limits:PermitsPerSecond", "0");
            web.UseSetting("ConnectionStrings:Postgres", connectionString);
            web.UseSetting("Orleans:ApplyMigrations", migrate ? "true" : "false");
            // Each host is a silo of its own cluster (its own database), on ports nothing else uses.
            web.UseSetting("Orleans:SiloPort", TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("Orleans:GatewayPort", TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("Gateway:OperatorToken", OperatorToken);
        });

    /// <summary>Waits until the host answers /health/ready with 200 (startup runs in the background).</summary>
    public static async Task WaitReadyAsync(HttpClient client)
    {
        var status = await Eventually.WaitForAsync(
            async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
