using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>Checks the operator bearer token, in constant time.</summary>
public sealed class OperatorAuthorization
{
    private readonly byte[]? _token;

    public OperatorAuthorization(IOptions<GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var token = options.Value.OperatorToken;
        if (string.IsNullOrWhiteSpace(token) && options.Value.OperatorTokenFile is { } file && File.Exists(file))
        {
            token = File.ReadAllText(file).Trim();
        }

        _token = string.IsNullOrWhiteSpace(token) ? null : Encoding.UTF8.GetBytes(token);
    }

    /// <summary>Null when the request carries the operator token, otherwise the problem to answer with.</summary>
    public IResult? Check(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_token is null)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "operator_token_not_configured", "No operator token is configured on this silo.");
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), _token))
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "operator_token_required", "This route needs 'Authorization: Bearer <operator token>'.");
        }

        return null;
    }
}

/// <summary>Endpoint filter for operator-only route groups.</summary>
public sealed class RequireOperatorFilter(OperatorAuthorization authorization) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return authorization.Check(context.HttpContext) ?? await next(context).ConfigureAwait(false);
    }
}
