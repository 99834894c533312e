using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Architecture;

/// <summary>
/// Every log line the gateway writes has an event id of its own, so an operator's alert or query on an id (the JSON
/// console format carries it as <c>EventId</c>) matches one kind of event and nothing else.
/// </summary>
public sealed class EventIdTests
{
    [Fact]
    public void Every_log_message_has_an_event_id_of_its_own()
    {
        var messages = typeof(Gateway.Relay.LegSocket).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Message: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(found => found.Message is not null)
            .ToList();

        Assert.True(messages.Count > 80, $"only {messages.Count} log messages found: the scan no longer sees them");
        Assert.All(messages, found => Assert.True(found.Message!.EventId > 0, $"{Name(found.Method)} has no event id"));
        var shared = messages
            .GroupBy(found => found.Message!.EventId)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(found => Name(found.Method)))}");
        Assert.Empty(shared);
    }

    private static string Name(MethodInfo method) => $"{method.DeclaringType!.FullName}.{method.Name}";
}
