using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>
/// The operator pages under <see cref="Path"/>: the product's dashboard (<c>Gateway/Dashboard</c>) at its root and
/// Orleans' own dashboard (grains, silos, calls) at <see cref="OrleansPath"/>, for operators only. A browser signs in once with
/// <c>/dashboard?token=&lt;operator token&gt;</c>, which sets an HTTP-only, same-site cookie; scripts send the header.
/// Every request under the path, the dashboard's own API and assets included, is checked.
/// </summary>
public static class OperatorDashboard
{
    /// <summary>Where the dashboard is served.</summary>
    public const string Path = "/dashboard";

    /// <summary>Where Orleans' dashboard is served.</summary>
    public const string OrleansPath = Path + "/orleans";

    /// <summary>Guards and maps the dashboard.</summary>
    public static WebApplication MapOperatorDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
        {
            var authorization = context.RequestServices.GetRequiredService<OperatorAuthorization>();
            if (context.Request.Query["token"].ToString() is { Length: > 0 } token && authorization.IsToken(token))
            {
                context.Response.Cookies.Append(OperatorAuthorization.CookieName, token, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = context.Request.IsHttps,
                    Path = Path,
                });
                context.Response.Redirect(Path + "/");
                return;
            }
            if (authorization.Check(context) is { } denied)
            {
                await denied.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        }));
        app.MapOrleansDashboard(OrleansPath);
        return app;
    }
}
