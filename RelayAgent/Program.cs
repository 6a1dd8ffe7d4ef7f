using OrleansGoRelay.RelayAgent;

// gorelay-relay [--fl] --Relay:RelayId=r1 --Relay:Gateways:0=http://127.0.0.1:8080 --urls http://127.0.0.1:7101
// Settings live beside the binary, wherever the process is started from.
// --fl takes part in federated rounds (Relay:FlEnabled=true).
var flags = args.Select(a => a == "--fl" ? "--Relay:FlEnabled=true" : a).ToArray();
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = flags, ContentRootPath = AppContext.BaseDirectory });
builder.AddRelayAgent();
var app = builder.Build();
app.MapRelayAgent();
app.Run();
