using Gateway.SampleBot;

var builder = WebApplication.CreateBuilder(args);
if (!BotListener.IsConfigured(builder.Configuration))
{
    builder.WebHost.UseUrls(BotListener.DefaultUrl);
}

var app = builder.Build();
app.UseWebSockets();
app.MapGet("/ws", BotEndpoint.HandleAsync);
app.MapGet("/readyz", () => Results.Text("ready"));
app.MapGet("/livez", () => Results.Text("alive"));
await app.RunAsync();
