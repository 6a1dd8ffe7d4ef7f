using Microsoft.AspNetCore.Http;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>Gives the framework's own problem documents (status code pages, binding failures) the contract's <c>code</c>.</summary>
internal static class FrameworkProblems
{
    public static void AddCode(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Extensions.ContainsKey("code"))
        {
            return;
        }
        var code = context.Exception is BadHttpRequestException bad
            ? Refusals.Describe(bad).Code
            : context.ProblemDetails.Status switch
            {
                StatusCodes.Status400BadRequest => "bad_request",
                StatusCodes.Status401Unauthorized => "unauthorized",
                StatusCodes.Status403Forbidden => "forbidden",
                StatusCodes.Status404NotFound => "not_found",
                StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
                StatusCodes.Status413PayloadTooLarge => "request_too_large",
                StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
                StatusCodes.Status429TooManyRequests => "rate_limited",
                >= 500 => "internal_error",
                _ => "request_refused",
            };
        context.ProblemDetails.Extensions["code"] = code;
    }
}
