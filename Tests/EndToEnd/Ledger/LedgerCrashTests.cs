using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGoRelay.Ledger;
using OrleansGoRelay.Tests.Infrastructure;

namespace OrleansGoRelay.Tests.Ledger;

[Trait("Category", "Slow")]
public sealed class LedgerCrashTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Token = "crash-test-operator";
    private const int Transfers = 10_000;
    private const int Wallets = 20;

    private static readonly Dictionary<string, string> Settings = new() { ["Gateway__OperatorToken"] = Token };

    [Fact]
    public async Task Kill9DuringTenThousandRetriedTransfersAppliesEachExactlyOnce()
    {
        var silo = Authorized(await SiloProcess.StartAsync(database.ConnectionString, "ledger-victim", Settings));
        var current = silo;
        for (var w = 0; w < Wallets; w++)
        {
            var account = await Client(current).PostAsJsonAsync("/api/v1/accounts", new { accountId = $"w{w}", kind = "player", flags = new[] { "debits_must_not_exceed_credits" } });
            Assert.Equal(HttpStatusCode.Created, account.StatusCode);
            var fund = await Client(current).PostAsJsonAsync("/api/v1/transfers", new { transferId = $"fund-w{w}", debitAccountId = SystemAccounts.Treasury, creditAccountId = $"w{w}", amount = 1_000_000, code = TransferCodes.Issuance });
            Assert.Equal(HttpStatusCode.Created, fund.StatusCode);
        }

        // 16 clients send transfers 0..9999 (each client its own slice) and retry each until it is acknowledged,
        // following whichever silo is up. The silo is SIGKILLed once about a fifth are acknowledged.
        var acknowledged = 0;
        var statuses = new HttpStatusCode[Transfers];
        var clients = Enumerable.Range(0, 16).Select(c => Task.Run(async () =>
        {
            for (var i = c; i < Transfers; i += 16)
            {
                var (from, to, amount) = Plan(i);
                while (true)
                {
                    try
                    {
                        using var response = await Client(Volatile.Read(ref current)).PostAsJsonAsync("/api/v1/transfers", Body(i, from, to, amount));
                        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                        {
                            statuses[i] = response.StatusCode;
                            Interlocked.Increment(ref acknowledged);
                            break;
                        }

                        Assert.True((int)response.StatusCode >= 500, $"transfer {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    catch (HttpRequestException)
                    {
                    }
                    catch (TaskCanceledException)
                    {
                    }

                    await Task.Delay(50);
                }
            }
        })).ToArray();

        await Eventually.WaitForAsync(() => Volatile.Read(ref acknowledged), n => n >= Transfers / 5, TimeSpan.FromMinutes(3));
        silo.Kill();
        var restarted = Authorized(await SiloProcess.StartAsync(database.ConnectionString, "ledger-survivor", Settings));
        Volatile.Write(ref current, restarted);
        await Task.WhenAll(clients);

        try
        {
            // Exactly once: every id is in the chain once, and each wallet's balance is what the plan says.
            Assert.Equal(Transfers, await database.ScalarAsync<long>("SELECT count(*) FROM ledger.transfers WHERE transfer_id LIKE 'crash-%'"));
            var expected = Enumerable.Range(0, Wallets).ToDictionary(w => $"w{w}", _ => 1_000_000L);
            for (var i = 0; i < Transfers; i++)
            {
                var (from, to, amount) = Plan(i);
                expected[from] -= amount;
                expected[to] += amount;
            }

            foreach (var (wallet, balance) in expected)
            {
                var account = await Client(restarted).GetFromJsonAsync<JsonElement>($"/api/v1/accounts/{wallet}");
                Assert.Equal(balance, account.GetProperty("balance").GetInt64());
            }

            var verify = await Client(restarted).GetFromJsonAsync<JsonElement>("/api/v1/ledger/verify");
            Assert.True(verify.GetProperty("chainValid").GetBoolean(), verify.ToString());
            Assert.True(verify.GetProperty("balancesMatchEntries").GetBoolean(), verify.ToString());
            Assert.Equal(0, verify.GetProperty("sumOfBalances").GetInt64());
            // Whether a retry found its transfer already applied (200) depends on where the kill fell; not asserted.
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK));
        }
        finally
        {
            await restarted.DisposeAsync();
            await silo.DisposeAsync();
        }
    }

    private static (string From, string To, long Amount) Plan(int i)
    {
        var from = i % Wallets;
        var to = (from + 1 + (i / Wallets % (Wallets - 1))) % Wallets;
        return ($"w{from}", $"w{to}", 1 + (i % 7));
    }

    private static object Body(int i, string from, string to, long amount) =>
        new { transferId = $"crash-{i}", debitAccountId = from, creditAccountId = to, amount, code = TransferCodes.Payment };

    private static HttpClient Client(SiloProcess silo) => silo.Http;

    private static SiloProcess Authorized(SiloProcess silo)
    {
        silo.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return silo;
    }
}
