using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Hosting;

/// <summary>
/// The embedded gateway's Data Protection: keys that live and die with the process, said once at start-up in one
/// Information line. Data Protection's start-up service still reads the default key ring; left to its defaults it
/// would pick a repository on its own (a directory under the user's profile, or memory when there is none) and warn
/// about it and about the keys being unencrypted, up to three warnings at every start, for a ring nothing uses. Naming
/// an in-process repository and no encryption says the same on purpose, so nothing is written to disk and nothing
/// warns.
/// </summary>
internal static partial class EphemeralKeyRing
{
    public static void AddEphemeralDataProtection(this IServiceCollection services, string applicationName)
    {
        services.AddDataProtection().SetApplicationName(applicationName).UseEphemeralDataProtectionProvider();
        services.Configure<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new InProcessRepository();
            options.XmlEncryptor = new NullXmlEncryptor();
        });
        services.AddHostedService<Notice>();
    }

    [LoggerMessage(EventId = 15001, Level = LogLevel.Information,
        Message = "Data Protection keys are ephemeral (embedded registry): stream tokens, call credentials and tenant secrets do not survive a restart; set ConnectionStrings:Redis to share and keep them")]
    private static partial void LogEphemeral(ILogger logger);

    private sealed class InProcessRepository : IXmlRepository
    {
        private readonly ConcurrentQueue<XElement> _elements = new();

        public IReadOnlyCollection<XElement> GetAllElements() => [.. _elements.Select(element => new XElement(element))];

        public void StoreElement(XElement element, string friendlyName) => _elements.Enqueue(new XElement(element));
    }

    private sealed class Notice(ILogger<Notice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogEphemeral(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
