using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Runtime.Hosting;
using OrleansGoRelay.TestSilo;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayDefaults();
builder.Services.AddSingleton<ProbeLog>();
builder.Services.AddGrainRuntime(runtime => runtime
    .AddGrains(typeof(TestGrainsEndpoints).Assembly)
    .AddClusterSingleton<HolderRecorder>()
    .UsePostgres(builder.Configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("Set ConnectionStrings:Postgres."), GrainsSchema.Migrations));

var app = builder.Build();
app.MapGatewayEndpoints();
app.MapTestGrains();
app.Run();
