using OrleansGoRelay.Gateway.Hosting;
using OrleansGoRelay.Silo.Hosting;

// Settings live beside the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddGoRelaySilo();

var app = builder.Build();
app.MapGatewayEndpoints();
app.Run();

/// <summary>The silo host; public so functional tests can start it with WebApplicationFactory.</summary>
public partial class Program;
