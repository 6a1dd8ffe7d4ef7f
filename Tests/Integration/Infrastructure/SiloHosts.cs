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

    /// <summary>
    /// A host whose model registry starts from a tiny random 9×9 net (1 block × 8 channels), measured on held-out positions
    /// of GNU Go's regression games: what the federated and inference tests need, in seconds.
    /// </summary>
    public static WebApplicationFactory<Program> CreateWithTinyModel(string connectionString, int validationPositions) =>
        Create(connectionString).WithWebHostBuilder(web =>
        {
            web.UseSetting("Fl:ValidationGames:0", Path.Combine(OrleansGoRelay.Tests.Go.GoData.Directory, "gnugo-regression.sgf.gz"));
            web.UseSetting("Fl:Genesis:BoardSize", "9");
            web.UseSetting("Fl:Genesis:Blocks", "1");
            web.UseSetting("Fl:Genesis:Channels", "8");
            web.UseSetting("Fl:Genesis:ValueHidden", "16");
            web.UseSetting("Fl:ValidationPositions", validationPositions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });

    /// <summary>A client of the host that sends the operator token.</summary>
    public static HttpClient CreateOperatorClient(this WebApplicationFactory<Program> host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorToken);
        return client;
    }

    /// <summary>Asserts the ledger verifies through the route: the chain intact, balances equal to the entries, summing to zero.</summary>
    public static async Task AssertLedgerVerifiesAsync(HttpClient operatorClient)
    {
        var verify = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(operatorClient, "/api/v1/ledger/verify");
        Assert.True(verify.GetProperty("chainValid").GetBoolean());
        Assert.True(verify.GetProperty("balancesMatchEntries").GetBoolean());
        Assert.Equal(0, verify.GetProperty("sumOfBalances").GetInt64());
    }

    /// <summary>Waits until the host answers /health/ready with 200 (startup runs in the background).</summary>
    public static async Task WaitReadyAsync(HttpClient client)
    {
        var status = await Eventually.WaitForAsync(
            async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
