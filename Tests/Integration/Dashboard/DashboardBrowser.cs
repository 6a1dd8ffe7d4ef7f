using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace OrleansGoRelay.Tests.Dashboard;

/// <summary>
/// Debian's Chromium driven by Playwright against a silo listening on a real port: every console error and uncaught
/// page error is collected (a dashboard test ends by asserting there were none), and screenshots go to the run's
/// artifacts.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    /// <summary>Debian's Chromium (scripts/setup.sh installs the package); Playwright's own download is never used.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, Uri server)
    {
        _playwright = playwright;
        _browser = browser;
        Server = server;
    }

    /// <summary>The silo's base address.</summary>
    public Uri Server { get; }

    /// <summary>What the pages logged as errors, and what they threw.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Starts the factory's server on Kestrel (a free loopback port) and a headless Chromium.</summary>
    public static async Task<DashboardBrowser> StartAsync<T>(WebApplicationFactory<T> host) where T : class
    {
        ArgumentNullException.ThrowIfNull(host);
        host.UseKestrel(0);
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var playwright = await Playwright.CreateAsync();
        // The flags keep Chromium off the network this machine does not have (sync, updates, background requests).
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new DashboardBrowser(playwright, browser, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>A page in a fresh context (its own cookies) whose errors are collected.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1600 } });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (Errors)
                {
                    Errors.Add($"console: {message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (Errors)
            {
                Errors.Add($"page error: {error}");
            }
        };
        return page;
    }

    /// <summary>Saves a full-page screenshot as <c>dashboard-{name}.png</c> among the run's artifacts.</summary>
    public static Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Infrastructure.TestEnvironment.ArtifactsDirectory, $"dashboard-{name}.png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
