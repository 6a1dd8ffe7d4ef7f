using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Runtime.Hosting;

// Settings live beside the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddGatewayDefaults();
builder.Services.AddGrainRuntime(runtime => runtime
    .AddGoRelayGrains()
    .UsePostgres(builder.Configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("Set ConnectionStrings:Postgres (env ConnectionStrings__Postgres)."), GrainsSchema.Migrations));

var app = builder.Build();
app.MapGatewayEndpoints();
app.Run();

/// <summary>The silo host; public so functional tests can start it with WebApplicationFactory.</summary>
public partial class Program;
