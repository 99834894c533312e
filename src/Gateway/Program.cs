using Gateway.Cli;
using Gateway.Hosting;

// A command (--help, token, admin, texml) runs and exits; anything else is the gateway's configuration.
if (GatewayCommands.Handles(args))
{
    return await GatewayCommands.RunAsync(args, Console.Out, Console.Error);
}

var app = GatewayApplication.Build(args);
await app.RunAsync();
return 0;
