using System.Security.Cryptography;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Registry;
using Gateway.Relay;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Relay;

/// <summary>The bot hop's connector, before any socket: what it refuses without touching an instance.</summary>
public sealed class BotConnectorTests
{
    [Fact]
    public async Task A_call_whose_call_control_credential_cannot_be_signed_is_refused_503_and_claims_nothing()
    {
        var claims = new LocalInstanceClaims(TimeProvider.System);
        var connector = new BotConnector(
            claims,
            new SessionCredentials(new KeyRingUnreachable()),
            Options.Create(new RelayOptions()),
            TimeProvider.System,
            NullLogger<BotConnector>.Instance);
        var agent = new RegisteredAgent(
            new AgentKey("acme", "support"),
            new AgentResource { Instances = [new AgentInstance { Id = "bot-1", Url = new Uri("ws://127.0.0.1:9/ws"), Capacity = 1 }] },
            1);

        var bot = await connector.ConnectAsync(agent, "session-1", body: null, CancellationToken.None);

        Assert.Null(bot.Socket);
        Assert.Equal(503, bot.Rejection!.Status);
        Assert.Equal("credential_unavailable", bot.Rejection.Code);
        Assert.Equal(0, claims.Count);
    }

    /// <summary>Data Protection as it behaves when its key ring was never read and Redis does not answer.</summary>
    private sealed class KeyRingUnreachable : IDataProtectionProvider, IDataProtector
    {
        public IDataProtector CreateProtector(string purpose) => this;

        public byte[] Protect(byte[] plaintext) =>
            throw new CryptographicException("An error occurred while trying to encrypt the provided data.", new TimeoutException("Timeout performing LRANGE"));

        public byte[] Unprotect(byte[] protectedData) => throw new CryptographicException("no key ring");
    }
}
