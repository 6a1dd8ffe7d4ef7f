using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OrleansGoRelay.Cli.Play;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary>
/// <c>gorelay relay economics --relay R</c>: a relay's profitability from the gateway's economics route (what it
/// earned against what it staked and deposited, per category and per bucket) and the batch optimiser's advice, as a table.
/// </summary>
internal static class RelayCommands
{
    public static Command Command()
    {
        var relay = new Command("relay", "One relay of the federation");
        var relayId = new Option<string>("--relay") { Description = "The relay id", Required = true };
        var bucket = new Option<string>("--bucket") { Description = "Bucket width of the series: minute, hour or day", DefaultValueFactory = _ => "hour" };
        var buckets = new Option<int>("--buckets") { Description = "How many buckets, up to now", DefaultValueFactory = _ => 24 };
        var pending = new Option<int>("--pending") { Description = "Consensus games not yet stamped, for the batch optimiser's advice", DefaultValueFactory = _ => 0 };
        var economics = new Command("economics", "What the relay earned (subsidies, revenue shares, deposits returned) against what it staked and deposited, and the batch advice")
        {
            relayId, FederationOptions.Gateways, FederationOptions.Token, bucket, buckets, pending,
        };
        economics.SetAction(async (parse, cancellationToken) =>
        {
            var id = parse.GetValue(relayId)!;
            using var gateway = new GatewayClient(FederationOptions.GatewaysOf(parse)) { OperatorToken = FederationOptions.TokenOf(parse), Deadline = TimeSpan.FromSeconds(10) };
            var path = string.Create(CultureInfo.InvariantCulture,
                $"api/v1/relays/{Uri.EscapeDataString(id)}/economics?bucket={Uri.EscapeDataString(parse.GetValue(bucket)!)}&buckets={parse.GetValue(buckets)}&pending={parse.GetValue(pending)}");
            GatewayAnswer answer;
            try
            {
                answer = await gateway.GetAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new CommandFailedException($"the gateway is unreachable: {e.Message}");
            }
            if (answer.Status == HttpStatusCode.NotFound && answer.Code == "unknown_relay")
            {
                throw new CommandFailedException($"relay '{id}' is not registered.");
            }
            FederationOptions.Require(answer, $"economics of relay '{id}'");
            var result = answer.Body.Deserialize<RelayEconomics>(GatewayClient.Json) ?? throw new CommandFailedException("the gateway answered no economics.");
            Console.Write(Render(result));
            return 0;
        });
        relay.Subcommands.Add(economics);
        return relay;
    }

    /// <summary>The economics as text: accounts, totals per category, the series and the advice (amounts in base units and MCP).</summary>
    public static string Render(RelayEconomics economics)
    {
        ArgumentNullException.ThrowIfNull(economics);
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        Line($"relay {economics.RelayId} at {economics.At:u} (amounts in base units; 1 MCP = 1,000,000,000)");
        foreach (var account in economics.Accounts)
        {
            Line($"  {ApiJson.NameOf(account.Role),-8} {account.AccountId,-40} {account.Balance,20:N0}");
        }
        text.AppendLine();
        Line($"{"category",-34} {"side",-7} {"transfers",9} {"amount",20} {"MCP",14}");
        foreach (var total in economics.Totals)
        {
            Line($"{ApiJson.NameOf(total.Category),-34} {ApiJson.NameOf(total.Side),-7} {total.Transfers,9} {total.Amount,20:N0} {Mcp(total.Amount),14}");
        }
        Line($"{"earned",-34} {"",-7} {"",9} {economics.Earned,20:N0} {Mcp(economics.Earned),14}");
        Line($"{"spent",-34} {"",-7} {"",9} {economics.Spent,20:N0} {Mcp(economics.Spent),14}");
        Line($"{"net",-34} {"",-7} {"",9} {economics.Net,20:N0} {Mcp(economics.Net),14}");
        Line($"ROI {(economics.RoiBasisPoints is { } roi ? (roi / 100.0).ToString("0.00", CultureInfo.InvariantCulture) + " %" : "n/a (nothing spent)")}");
        var d = economics.Deposits;
        Line($"deposits: {d.Stamps} stamps, paid {d.Paid:N0}, returned {d.Returned:N0}, forfeited {d.Forfeited:N0}, in escrow {d.InEscrow:N0}");
        text.AppendLine();
        Line($"{"bucket (" + ApiJson.NameOf(economics.Bucket) + ")",-22} {"earned",16} {"spent",16} {"net",16} {"cumulative net",18}  categories");
        foreach (var row in economics.Series)
        {
            var categories = string.Join(", ", row.Amounts.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key} {a.Value:N0}")));
            Line($"{row.Start,-22:yyyy-MM-dd HH:mm} {row.Earned,16:N0} {row.Spent,16:N0} {row.Net,16:N0} {row.CumulativeNet,18:N0}  {categories}");
        }
        text.AppendLine();
        var a = economics.Advice;
        Line($"advice: {ApiJson.NameOf(a.Action)} ({a.PendingGames} pending of {a.Threshold}; submit now {a.SubmitNow:N0}, wait {a.Wait:N0}; chance {a.ChanceToReachThresholdBasisPoints / 100.0:0.##} %; {a.ConsensusGamesPerHour:0.##} games/h)");
        foreach (var reason in a.Reasons)
        {
            Line($"  {reason}");
        }
        return text.ToString();
    }

    private static string Mcp(long amount) => (amount / 1e9).ToString("0.#########", CultureInfo.InvariantCulture);
}
