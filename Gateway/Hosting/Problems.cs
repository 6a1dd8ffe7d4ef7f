using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansGoRelay.Runtime;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>RFC 7807 problem documents with the stable machine-readable <c>code</c> member of the API contract.</summary>
public static class Problems
{
    /// <summary>A problem result with a status, a code and a human explanation.</summary>
    public static ProblemHttpResult Create(int status, string code, string detail, IEnumerable<KeyValuePair<string, object?>>? extensions = null)
    {
        var members = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (name, value) in extensions ?? [])
        {
            members[name] = value;
        }

        return TypedResults.Problem(statusCode: status, detail: detail, title: code.Replace('_', ' '), extensions: members);
    }
}

/// <summary>Turns runtime failures into problem documents instead of bare 500s.</summary>
internal sealed class GrainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code) = exception switch
        {
            SiloUnavailableException => (StatusCodes.Status503ServiceUnavailable, "silo_unavailable"),
            InconsistentStateException => (StatusCodes.Status409Conflict, "concurrent_update"),
            GrainStateCorruptedException => (StatusCodes.Status500InternalServerError, "grain_state_corrupted"),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "request_too_large"),
            BadHttpRequestException bad => (bad.StatusCode, "bad_request"),
            OrleansGoRelay.Grains.Ledger.LedgerRequestException ledger => (StatusCodes.Status400BadRequest, ledger.Problem.Code),
            OrleansGoRelay.Grains.RequestRefusedException refused => (refused.Status, refused.Code),
            _ => (0, ""),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = code.Replace('_', ' '),
                Detail = exception.Message,
                Extensions = { ["code"] = code },
            },
        }).ConfigureAwait(false);
    }
}
