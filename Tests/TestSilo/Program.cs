using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Silo.Hosting;

namespace OrleansGoRelay.TestSilo;

/// <summary>The test silo's entry point (a named class, so the functional tests' <c>Program</c> stays the real silo's).</summary>
public static class TestSiloProgram
{
    public static void Main(string[] args)
    {
        // Settings live beside the binary, wherever the process is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Reminders every second (production keeps Orleans' one-minute floor), so a test sees them fire in seconds.
        builder.AddGoRelaySilo(silo => silo.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));

        var app = builder.Build();
        app.MapGatewayEndpoints();
        app.MapTestGrains();
        app.Run();
    }
}
