using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Go.Analysis;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Grains.Federated;
using OrleansGoRelay.Grains.Games;
using OrleansGoRelay.Grains.Ledger;
using OrleansGoRelay.Grains.Marketplace;
using OrleansGoRelay.Grains.Relays;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Tests.Federated;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: it signs in with the operator token, draws every panel, and shows a new game, a
/// failover and a promoted model as they happen, without a reload and without a console error; the public view shows
/// network health to anyone and nothing else.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DashboardBrowserTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ANewGameAFailoverAndAPromotedModelAppearWithoutAReload()
    {
        await using var host = SiloHosts.CreateWithTinyModel(database.ConnectionString, validationPositions: 200).WithWebHostBuilder(web =>
            web.UseSetting("Relays:DeadAfter", "00:10:00").UseSetting("Relays:SuspectAfter", "00:05:00"));
        await using var browser = await DashboardBrowser.StartAsync(host);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await RegisterAsync(grains, "relay-ams", 52.37, 4.90);
        await RegisterAsync(grains, "relay-par", 48.86, 2.35);

        var page = await browser.NewPageAsync();
        try
        {
            await SignInAndWatchAsync(browser, page, grains, host.Services);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            await DashboardBrowser.ScreenshotAsync(page, "failure");
            throw new Xunit.Sdk.XunitException($"{e.Message}\npage errors: {string.Join("; ", browser.Errors)}");
        }
        Assert.Empty(browser.Errors);
    }

    private static async Task SignInAndWatchAsync(DashboardBrowser browser, IPage page, IGrainFactory grains, IServiceProvider services)
    {
        await page.GotoAsync(new Uri(browser.Server, $"/dashboard?token={SiloHosts.OperatorToken}").ToString());
        Assert.EndsWith("/dashboard/", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByTestId("connection-state")).ToHaveTextAsync("live", new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.GetByTestId("relay-marker")).ToHaveCountAsync(2, new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.Locator("[data-testid=model-row][data-promoted=true]")).ToHaveCountAsync(1);
        // A mark on the window: a reload would lose it.
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await DashboardBrowser.ScreenshotAsync(page, "signed-in");

        // A new game, carried by relay-ams.
        var game = grains.GetGrain<IGameGrain>("dash-game-1");
        await game.Create(new GameSpec("dash-black", "dash-white", 9, 7.5, 0, "chinese", false, GameClass.Teaching));
        await grains.GetGrain<IRelayNodeGrain>("relay-ams").OpenSession("dash-game-1", "dash-black");
        await grains.GetGrain<IRelayNodeGrain>("relay-ams").OpenSession("dash-game-1", "dash-white");
        await Expect(page.Locator("[data-testid=game-row][data-game-id=dash-game-1]")).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.GetByTestId("games-class-teaching")).ToHaveAttributeAsync("data-value", "1");
        // Its first move shows in the silo's counters, read from /metrics.
        await game.Play(new MoveSubmission("dash-black", 1, "E5"));
        await Expect(page.Locator("[data-testid=silo-metric][data-metric=gorelay_game_moves_total]"))
            .ToHaveAttributeAsync("data-value", new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$"), new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.GetByTestId("games-relay-relay-ams")).ToHaveAttributeAsync("data-value", "1", new() { Timeout = (float)Live.TotalMilliseconds });

        // relay-ams leaves (quarantined, as after three failed rounds): its sessions fail over to relay-par.
        await grains.GetGrain<IRelayNodeGrain>("relay-par").Heartbeat(new RelayHeartbeat(0, 12, 100, 0, 5));
        Assert.True(await grains.GetGrain<IRelayHealthMonitorGrain>(ISingletonGrain.Key).Quarantine("relay-ams", "dashboard test"));
        await Expect(page.Locator("[data-testid=failover-row][data-relay-id=relay-ams]")).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.Locator("[data-testid=relay-marker][data-relay-id=relay-ams]")).ToHaveAttributeAsync("data-health", "quarantined");
        await Expect(page.Locator("[data-testid=event][data-type=relay_failover]")).ToHaveCountAsync(1);

        // An API client pays 10,000 base units for inference: the token flow draws the 40/30/20/10 split.
        var market = grains.GetGrain<IMarketplaceGrain>(IMarketplaceGrain.Key);
        await market.CreateAccount(SystemAccounts.Wallet("dash-client", AccountKind.ApiClient));
        await market.SubmitTransfers([new("dash-seed-client", SystemAccounts.Treasury, "dash-client", 10_000, TransferCodes.Issuance)]);
        await market.PayForInference(new InferencePaymentRequest("dash-pay", "dash-client", 10_000, ["dash-black"], ["relay-par"], ["dash-trainer"]));
        await Expect(page.GetByTestId("split-data")).ToHaveAttributeAsync("data-value", "4000", new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.GetByTestId("split-relays")).ToHaveAttributeAsync("data-value", "3000");
        await Expect(page.GetByTestId("split-trainers")).ToHaveAttributeAsync("data-value", "2000");
        await Expect(page.GetByTestId("split-treasury")).ToHaveAttributeAsync("data-value", "1000");

        // relay-par's economics: its 30 % is earned; with ten consensus games pending the optimiser says submit now.
        await page.GetByTestId("economics-relay").SelectOptionAsync("relay-par");
        await Expect(page.Locator("[data-testid=economics-total][data-category=revenue_relay_share]")).ToHaveAttributeAsync("data-value", "3000", new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.GetByTestId("economics-earned")).ToHaveAttributeAsync("data-value", "3000");
        await page.GetByTestId("economics-pending").FillAsync("10");
        await page.GetByTestId("economics-pending").DispatchEventAsync("change");
        await Expect(page.GetByTestId("economics-advice")).ToHaveAttributeAsync("data-action", "submit_now", new() { Timeout = (float)Live.TotalMilliseconds });

        // A promoted model: another version of the genesis net registered and promoted.
        var hash = await PromoteMovedGenesisAsync(services);
        await Expect(page.Locator($"[data-testid=model-row][data-hash='{hash}']")).ToHaveAttributeAsync("data-promoted", "true", new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(page.Locator("[data-testid=model-row][data-promoted=true]")).ToHaveCountAsync(1);

        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was never reloaded");
        await DashboardBrowser.ScreenshotAsync(page, "after-game-failover-promotion");

        // The public view: network health for anyone, no operator panel, no data behind the token.
        var visitor = await browser.NewPageAsync();
        await visitor.GotoAsync(new Uri(browser.Server, "/status/").ToString());
        await Expect(visitor.GetByTestId("relay-row")).ToHaveCountAsync(2, new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(visitor.Locator("#games-panel")).ToBeHiddenAsync();
        await Expect(visitor.Locator("[data-testid=failover-row][data-relay-id=relay-ams]")).ToBeVisibleAsync();
        var overview = await visitor.APIRequest.GetAsync(new Uri(browser.Server, "/dashboard/api/overview").ToString());
        Assert.Equal(401, overview.Status);
        await DashboardBrowser.ScreenshotAsync(visitor, "public");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static async Task RegisterAsync(IGrainFactory grains, string id, double latitude, double longitude)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await grains.GetGrain<IRelayNodeGrain>(id).Register(new RelayRegistration(id, RelaySignature.ExportPublicKey(key), "eu-west", latitude, longitude, 100, 100, false, "ws://127.0.0.1:1"));
        await grains.GetGrain<IRelayNodeGrain>(id).Heartbeat(new RelayHeartbeat(0, 20, 100, 0, 5));
    }

    private static async Task<string> PromoteMovedGenesisAsync(IServiceProvider services)
    {
        var store = services.GetRequiredService<IFederatedStore>();
        var registry = services.GetRequiredService<ModelRegistry>();
        var hash = await TestVersions.InsertMovedAsync(registry, store, await registry.CurrentAsync(), (w, i) => w + (0.1f * MathF.Cos(i)), [], "dashboard test");
        await store.PromoteAsync(hash, DateTimeOffset.UtcNow, []);
        return hash;
    }
}
