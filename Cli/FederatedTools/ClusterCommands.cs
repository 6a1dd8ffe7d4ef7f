using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using OrleansGoRelay.Cli.Bench;
using OrleansGoRelay.Cli.Play;
using OrleansGoRelay.Cli.Processes;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary><c>gorelay cluster start</c>: silos and relay agents on this machine, funded and ready for rounds.</summary>
internal static class ClusterCommands
{
    /// <summary>What each started relay is given from the treasury (1 MCP: its stake and stamp deposits).</summary>
    public const long RelayFunding = 1_000_000_000;

    /// <summary>What the reward pool is given from the treasury (10,000 MCP).</summary>
    public const long RewardPoolFunding = 10_000_000_000_000;

    public static Command Command()
    {
        var cluster = new Command("cluster", "A federation on this machine");
        var silos = new Option<int>("--silos") { Description = "Silo processes (each with its gateway)", DefaultValueFactory = _ => 2 };
        var relays = new Option<int>("--relays") { Description = "Relay agents", DefaultValueFactory = _ => 3 };
        var fl = new Option<bool>("--fl-enabled") { Description = "Relays take part in federated rounds (gorelay-relay --fl)" };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL (default: env GORELAY_CONNECTION, else .data/connection-string); the cluster gets its own database gorelay_cluster" };
        var boardSize = new Option<int>("--board-size") { Description = "The genesis model's board size", DefaultValueFactory = _ => 9 };
        var blocks = new Option<int>("--blocks") { Description = "The genesis model's residual blocks", DefaultValueFactory = _ => 1 };
        var channels = new Option<int>("--channels") { Description = "The genesis model's channels", DefaultValueFactory = _ => 8 };
        var validation = new Option<string> ("--validation-games") { Description = "Held-out games the registry's gate measures on", DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "gnugo-regression.sgf.gz") };
        var httpBase = new Option<int>("--http-port") { Description = "First gateway port (silo i listens on it + i)", DefaultValueFactory = _ => 8180 };
        var start = new Command("start", "Starts silos and relay agents, funds the relays and the reward pool, writes .data/cluster.json, and runs until Ctrl+C")
        {
            silos, relays, fl, connection, boardSize, blocks, channels, validation, httpBase,
        };
        start.SetAction((parse, cancellationToken) => StartAsync(parse.GetValue(silos), parse.GetValue(relays), parse.GetValue(fl), parse.GetValue(connection),
            (parse.GetValue(boardSize), parse.GetValue(blocks), parse.GetValue(channels)), Path.GetFullPath(parse.GetValue(validation)!), parse.GetValue(httpBase), cancellationToken));
        cluster.Subcommands.Add(start);
        return cluster;
    }

    private static async Task<int> StartAsync(int siloCount, int relayCount, bool fl, string? connection, (int Size, int Blocks, int Channels) genesis, string validation,
        int httpBase, CancellationToken cancellationToken)
    {
        if (siloCount is < 1 or > 8 || relayCount is < 1 or > 64)
        {
            throw new CommandFailedException("--silos is 1 to 8 and --relays 1 to 64.");
        }
        if (!File.Exists(validation))
        {
            throw new CommandFailedException($"The validation games {validation} do not exist (pass --validation-games).");
        }
        for (var i = 0; i < siloCount; i++)
        {
            if (!PortIsFree(httpBase + i))
            {
                throw new CommandFailedException($"Port {httpBase + i} on 127.0.0.1 is in use (another cluster?); stop it or pass --http-port.");
            }
        }
        var database = await BenchDatabase.RecreateAsync(BenchDatabase.ResolveConnectionString(connection), "gorelay_cluster").ConfigureAwait(false);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        // A fresh database, so fresh relays: their keys, games and round state from an earlier cluster would not match it.
        var folder = Path.Combine(Environment.CurrentDirectory, ".data", "cluster");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        var processes = new List<ChildProcess>();
        try
        {
            var gateways = new List<string>();
            for (var i = 0; i < siloCount; i++)
            {
                var url = $"http://127.0.0.1:{httpBase + i}";
                var environment = new Dictionary<string, string>
                {
                    ["ConnectionStrings__Postgres"] = database,
                    ["Gateway__OperatorToken"] = token,
                    ["Orleans__SiloName"] = $"silo-{i}",
                    ["Orleans__SiloPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                    ["Orleans__GatewayPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                    ["Orleans__AdvertisedAddress"] = "127.0.0.1",
                    ["Fl__ValidationGames__0"] = validation,
                    ["Fl__RarityCorpus__0"] = validation,
                    ["Fl__Genesis__BoardSize"] = genesis.Size.ToString(CultureInfo.InvariantCulture),
                    ["Fl__Genesis__Blocks"] = genesis.Blocks.ToString(CultureInfo.InvariantCulture),
                    ["Fl__Genesis__Channels"] = genesis.Channels.ToString(CultureInfo.InvariantCulture),
                    ["Fl__Genesis__ValueHidden"] = "16",
                    ["Logging__LogLevel__Default"] = "Warning",
                };
                processes.Add(ChildProcess.StartDotnet($"silo-{i}", ChildProcess.BuiltDll("Silo", "OrleansGoRelay.Silo"), ["--urls", url], environment));
                gateways.Add(url);
                Console.WriteLine($"silo-{i}: gateway {url}");
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            for (var i = 0; i < siloCount; i++)
            {
                await processes[i].WaitForOkAsync(http, gateways[i] + "/health/ready", TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            }
            var relayIds = new List<string>();
            for (var i = 0; i < relayCount; i++)
            {
                var id = $"relay-{i + 1}";
                var site = BenchCluster.Sites[i % BenchCluster.Sites.Length];
                string[] arguments =
                [
                    "--urls", $"http://127.0.0.1:{ChildProcess.FreePort()}", $"--Relay:RelayId={id}", $"--Relay:KeyFile={Path.Combine(folder, id + ".pem")}",
                    $"--Relay:Region={site.Region}", $"--Relay:Latitude={site.Latitude.ToString(CultureInfo.InvariantCulture)}", $"--Relay:Longitude={site.Longitude.ToString(CultureInfo.InvariantCulture)}",
                    .. gateways.Select((g, k) => $"--Relay:Gateways:{k}={g}"), "--Logging:LogLevel:Default=Warning",
                    .. fl ? new[] { "--fl" } : [],
                ];
                processes.Add(ChildProcess.StartDotnet(id, ChildProcess.BuiltDll("RelayAgent", "gorelay-relay"), arguments));
                relayIds.Add(id);
            }
            using var client = new GatewayClient(gateways) { OperatorToken = token };
            await Eventually(async () => (await client.GetAsync("api/v1/relays", cancellationToken).ConfigureAwait(false)).Body?.AsArray()
                .Count(r => (string?)r!["health"] == "healthy") == relayCount, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            foreach (var id in relayIds)
            {
                FederationOptions.Require(await client.PostAsync("api/v1/transfers", new { transferId = "cluster-fund:" + id, debitAccountId = "treasury", creditAccountId = "relay:" + id, amount = RelayFunding, code = 1 }, cancellationToken).ConfigureAwait(false), "funding " + id);
            }
            FederationOptions.Require(await client.PostAsync("api/v1/transfers", new { transferId = "cluster-fund:reward-pool", debitAccountId = "treasury", creditAccountId = "reward-pool", amount = RewardPoolFunding, code = 1 }, cancellationToken).ConfigureAwait(false), "funding the reward pool");
            await File.WriteAllTextAsync(FederationOptions.ClusterFile, JsonSerializer.Serialize(new FederationOptions.ClusterFileContent(gateways, token, relayIds), GatewayClient.Json), cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"{relayCount} relays healthy{(fl ? " with --fl" : "")}; each funded with {RelayFunding / 1e9:0.##} MCP, the reward pool with {RewardPoolFunding / 1e9:N0} MCP.");
            Console.WriteLine($"operator token and gateways in {FederationOptions.ClusterFile}; next: gorelay games generate, gorelay fl run --verify. Ctrl+C stops the cluster.");
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
                if (processes.FirstOrDefault(p => p.HasExited) is { } dead)
                {
                    throw new CommandFailedException($"{dead.Name} exited:\n{dead.Output}");
                }
            }
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            foreach (var process in Enumerable.Reverse(processes))
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
            File.Delete(FederationOptions.ClusterFile);
        }
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="timeout"/>.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new CommandFailedException($"Gave up after {timeout.TotalSeconds:0} s.");
            }
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }
}
