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
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim()
            : context.Request.Cookies[CookieName];
        if (!IsToken(presented))
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "operator_token_required", "This route needs 'Authorization: Bearer <operator token>'.");
        }

        return null;
    }

    /// <summary>The cookie a browser holds the token in, for pages (the Orleans dashboard) that cannot send a header.</summary>
    public const string CookieName = "gorelay_operator";

    /// <summary>Whether the text is the operator token (constant time).</summary>
    public bool IsToken(string? presented) =>
        _token is not null && presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);
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
