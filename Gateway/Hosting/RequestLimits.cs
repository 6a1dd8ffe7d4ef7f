using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>Request size and rate limits (configuration section <c>Gateway:Limits</c>).</summary>
public sealed class RequestLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gateway:Limits";

    /// <summary>The largest request body: 4 MiB, room for a full batch of 8,190 transfers.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4L << 20;

    /// <summary>Requests per second each client address may sustain: 1,000; 0 turns rate limiting off.</summary>
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>How many requests a client address may send at once above the sustained rate: 2,000.</summary>
    public int Burst { get; set; } = 2000;
}

/// <summary>
/// Size and rate limits in front of every API route, answered as problem documents: 413 <c>request_too_large</c> and
/// 429 <c>rate_limited</c> with Retry-After. Rates are per client address with a token bucket; health and metrics
/// are never limited, so probes and scrapes keep working under a flood.
/// </summary>
public static class RequestLimits
{
    /// <summary>Registers the limiter.</summary>
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.Section);
        builder.Services.AddRateLimiter(_ => { });
        // Configured from the bound limits once, not looked up per request.
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RequestLimitOptions>>((options, configured) =>
        {
            var limits = configured.Value;
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"Too many requests from this address; retry after {retryAfter} s.").ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
            if (limits.PermitsPerSecond <= 0)
            {
                return;
            }
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, limits.Burst),
                // Refilled ten times a second, so a client's rate is smooth rather than per-second bursts.
                TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond / 10),
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = 0,
                AutoReplenishment = true,
            };
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => IsOperations(http.Request.Path)
                ? RateLimitPartition.GetNoLimiter("unlimited")
                : RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "local", _ => bucket));
        });
        return builder;
    }

    /// <summary>Applies the limits; call before the endpoints.</summary>
    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var general = app.Services.GetRequiredService<IOptions<RequestLimitOptions>>().Value.MaxRequestBodyBytes;
        app.Use(async (context, next) =>
        {
            // Federated updates are larger than any other body; their routes check their own bound (RelayAuthentication.MaxUpdateBytes).
            var limit = context.Request.Path.StartsWithSegments("/api/v1/fl/rounds", StringComparison.Ordinal) ? Math.Max(general, Relays.RelayAuthentication.MaxUpdateBytes) : general;
            if (context.Request.ContentLength > limit)
            {
                await Problems.Create(StatusCodes.Status413PayloadTooLarge, "request_too_large",
                    $"Request bodies are at most {limit:N0} bytes.").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            // A chunked body has no length up front: the server stops reading it at the limit (a 413 from the handler).
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit;
            }
            await next(context).ConfigureAwait(false);
        });
        app.UseRateLimiter();
        return app;
    }

    private static bool IsOperations(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);
}
