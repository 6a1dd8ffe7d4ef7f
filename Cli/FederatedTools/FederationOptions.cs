using System.CommandLine;
using OrleansGoRelay.Cli.Play;

namespace OrleansGoRelay.Cli.FederatedTools;

/// <summary>The options the federation's operator commands share: where the gateways are and the operator token.</summary>
internal static class FederationOptions
{
    public static readonly Option<string[]> Gateways = new("--gateway")
    {
        Description = "A gateway base URL (repeat for several; default: what gorelay cluster start wrote, else http://127.0.0.1:8080)",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<string?> Token = new("--operator-token", "--token")
    {
        Description = "The operator token (default: $GORELAY_OPERATOR_TOKEN, then .data/operator.token)",
    };

    /// <summary>Where <c>gorelay cluster start</c> writes the gateways and token of the cluster it runs.</summary>
    public static string ClusterFile => Path.Combine(Environment.CurrentDirectory, ".data", "cluster.json");

    /// <summary>The gateways to talk to.</summary>
    public static IReadOnlyList<string> GatewaysOf(ParseResult parse)
    {
        if (parse.GetValue(Gateways) is { Length: > 0 } given)
        {
            return given;
        }
        if (File.Exists(ClusterFile) && System.Text.Json.JsonSerializer.Deserialize<ClusterFileContent>(File.ReadAllText(ClusterFile), GatewayClient.Json) is { Gateways.Count: > 0 } cluster)
        {
            return cluster.Gateways;
        }
        return ["http://127.0.0.1:8080"];
    }

    /// <summary>The operator token, or null when none is known.</summary>
    public static string? TokenOf(ParseResult parse)
    {
        if (parse.GetValue(Token) is { Length: > 0 } token)
        {
            return token;
        }
        if (Environment.GetEnvironmentVariable("GORELAY_OPERATOR_TOKEN") is { Length: > 0 } environment)
        {
            return environment;
        }
        if (File.Exists(ClusterFile) && System.Text.Json.JsonSerializer.Deserialize<ClusterFileContent>(File.ReadAllText(ClusterFile), GatewayClient.Json) is { OperatorToken.Length: > 0 } cluster)
        {
            return cluster.OperatorToken;
        }
        var file = Path.Combine(Environment.CurrentDirectory, ".data", "operator.token");
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    /// <summary>A client of the gateways with the operator token.</summary>
    public static GatewayClient Client(ParseResult parse) => new(GatewaysOf(parse)) { OperatorToken = TokenOf(parse) };

    /// <summary>What <c>gorelay cluster start</c> writes.</summary>
    public sealed record ClusterFileContent(IReadOnlyList<string> Gateways, string OperatorToken, IReadOnlyList<string> Relays);

    /// <summary>Fails with the gateway's problem when an answer is not 2xx.</summary>
    public static GatewayAnswer Require(GatewayAnswer answer, string what) => answer.IsSuccess
        ? answer
        : throw new CommandFailedException($"{what}: {(int)answer.Status} {answer.Code}: {answer.Body?["detail"]}");
}
