using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Runtime.Hosting;

namespace OrleansGoRelay.TestSilo;

/// <summary>The test silo's entry point (a named class, so the functional tests' <c>Program</c> stays the real silo's).</summary>
public static class TestSiloProgram
{
    public static void Main(string[] args)
    {
        // Settings live beside the binary, wherever the process is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddGatewayDefaults();
        builder.Services.AddSingleton<ProbeLog>();
        builder.Services.AddGrainRuntime(runtime => runtime
            .AddGrains(typeof(TestGrainsEndpoints).Assembly)
            .AddGoRelayGrains()
            .AddClusterSingleton<HolderRecorder>()
            .UsePostgres(builder.Configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("Set ConnectionStrings:Postgres."), GrainsSchema.Migrations));

        var app = builder.Build();
        app.MapGatewayEndpoints();
        app.MapTestGrains();
        app.Run();
    }
}
